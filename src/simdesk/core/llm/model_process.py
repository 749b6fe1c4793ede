"""The model's own process: the only module that imports ``llama_cpp``.

llama.cpp is native code: an illegal instruction, a malformed model file or running out of
memory kills whatever process it runs in. So it runs here, in a child the backend spawns and
supervises (:mod:`simdesk.core.llm.backend`), never in the app. The child picks its CPU backend
library (:mod:`simdesk.core.llm.cpu`), loads the model, then serves one request at a time:
requests come in on its stdin, messages go out on its original stdout (fd 1 is pointed at stderr,
so nothing native can corrupt the stream), each a pickled tuple tagged with the request id. The
parent sends ``("cancel", rid)`` on the same pipe; the sampling loop polls for it before every
token, so a Stop takes effect within one token.

Messages to the parent: ``("variant", name)``, ``("loaded", info)``, ``("load_failed", what,
fix)``, ``("reading", rid)``, ``("token", rid, text)``, ``("done", rid, fields)``,
``("failed", rid, what, fix)``. Started as ``python -m simdesk.core.llm.model_process MODEL N_CTX
N_THREADS`` (or ``simdesk --model-process ...`` in a frozen bundle): a fresh interpreter, so
nothing of the app's ``__main__`` is imported again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from simdesk.core.errors import ModelCorrupt, ModelError, SimdeskError


def load_cpu_backend() -> tuple[str, dict[str, str]]:
    """Register the chosen CPU backend with the libggml that libllama uses; return its name."""
    import ctypes

    import llama_cpp

    from simdesk.core.llm.cpu import choose_variant, crashed_variants, variant_libraries

    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    available = variant_libraries(lib_dir)
    if not available:  # a build with the CPU backend linked in (not the portable one)
        choice = choose_variant(available)
        return choice.name, choice.skipped
    # A wheel cannot hold symlinks: libggml.so and libggml.so.0 are two copies, and libllama
    # links the versioned one. The backend must be registered in the copy libllama uses.
    ggml_path = next(p for p in (lib_dir / "libggml.so.0", lib_dir / "libggml.so") if p.exists())
    ggml = ctypes.CDLL(str(ggml_path), mode=ctypes.RTLD_GLOBAL)
    ggml.ggml_backend_load.restype = ctypes.c_void_p
    ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    refused: set[str] = set()  # libraries llama.cpp's own CPU check turned down here
    while True:
        choice = choose_variant(available, crashed=crashed_variants() | refused)
        if ggml.ggml_backend_load(str(choice.path).encode()):
            return choice.name, choice.skipped
        if choice.name in refused or choice.name == "x64":
            raise ModelError(
                f"llama.cpp could not load its CPU backend {choice.path.name}.",
                "Reinstall simdesk; if it persists, set SIMDESK_CPU_VARIANT=x64 and report it.",
            )
        refused.add(choice.name)  # e.g. the OS does not enable AVX-512 state: try the next


def main(argv: list[str] | None = None) -> int:
    """Entry point of the child process: wire the pipes, then :func:`serve`."""
    import contextlib
    import os
    import sys
    from multiprocessing.connection import Connection

    args = sys.argv[1:] if argv is None else argv
    model_path, n_ctx, n_threads = args[0], int(args[1]), int(args[2])
    out_fd = os.dup(1)
    os.dup2(2, 1)  # stray native prints go to stderr, never into the message stream
    sys.stdout = sys.stderr
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(out_fd, readable=False)
    # If the app quit (or was killed) first, there is nobody to tell: exit quietly.
    with contextlib.suppress(BrokenPipeError, EOFError):
        serve(inbox, outbox, model_path, n_ctx, n_threads)
    return 0


def serve(inbox: Any, conn: Any, model_path: str, n_ctx: int, n_threads: int) -> None:
    """Load, then answer requests from ``inbox`` on ``conn`` until told to stop."""
    from simdesk.core.llm.machine import rss_mb

    before = rss_mb()
    try:
        variant, _skipped = load_cpu_backend()
        conn.send(("variant", variant))  # said before loading: a SIGILL after this names it
        started = time.perf_counter()
        llama = load_llama(Path(model_path), n_ctx=n_ctx, n_threads=n_threads)
        warm_up(llama)
        seconds = time.perf_counter() - started
    except SimdeskError as exc:
        conn.send(("load_failed", exc.what, exc.fix))
        return
    conn.send(("loaded", {"load_seconds": seconds, "memory_mb": rss_mb() - before,
                          "rss_mb": rss_mb(), "variant": variant}))  # fmt: skip
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):  # the parent went away
            break
        if message[0] == "shutdown":
            break
        if message[0] != "generate":
            continue  # a cancel that came after its reply ended
        request = message[1]
        rid = request["request_id"]
        try:
            conn.send(("reading", rid))
            _stream(inbox, conn, llama, n_ctx, request)
        except SimdeskError as exc:
            conn.send(("failed", rid, exc.what, exc.fix))
        except Exception as exc:  # llama.cpp errors surface as plain exceptions
            conn.send(("failed", rid, f"The model failed while answering: {exc}", "Ask again."))
    llama.close()


def _stream(inbox: Any, conn: Any, llama: Any, n_ctx: int, request: dict) -> None:
    import llama_cpp

    rid = request["request_id"]
    prompt = request["prompt"]
    prompt_tokens = len(llama.tokenize(prompt.encode(), add_bos=True, special=True))
    if prompt_tokens + 8 > n_ctx:
        raise ModelError(
            f"The conversation ({prompt_tokens} tokens) no longer fits the model's context "
            f"of {n_ctx} tokens.",
            "End this encounter and start the case again.",
        )
    sampled = 0
    cancelled = False

    def stop_if_cancelled(_ids, _logits) -> bool:
        nonlocal sampled, cancelled
        sampled += 1
        while not cancelled and inbox.poll():
            message = inbox.recv()
            cancelled = message == ("cancel", rid)
        return cancelled

    llama_cpp.llama_perf_context_reset(llama.ctx)
    started = time.perf_counter()
    first = last = 0.0
    pieces: list[str] = []
    stream = llama.create_completion(
        prompt, max_tokens=request["max_tokens"], temperature=request["temperature"],
        top_p=request["top_p"], stop=list(request["stop"]), seed=request["seed"], stream=True,
        stopping_criteria=llama_cpp.StoppingCriteriaList([stop_if_cancelled]),
        logits_processor=logits_processor(llama, request),
    )  # fmt: skip
    for chunk in stream:
        text = chunk["choices"][0]["text"]
        if text:
            last = time.perf_counter() - started
            first = first or last
            pieces.append(text)
            conn.send(("token", rid, text))
    # llama.cpp's own count of the prompt tokens it read (it reports at least 1).
    evaluated = llama_cpp.llama_perf_context(llama.ctx).n_p_eval
    conn.send(("done", rid, {
        "text": "".join(pieces), "cancelled": cancelled, "prompt_tokens": prompt_tokens,
        "completion_tokens": sampled, "first_token_seconds": first, "evaluated_tokens": evaluated,
        "decode_seconds": last - first,
    }))  # fmt: skip


def _word_tokens(llama: Any, words: tuple[str, ...], *, whole: bool = False) -> set[int]:
    """The tokens of each word as a reply would spell it: after a space or at the start, in
    lower case and capitalised. ``whole``: only forms that are one token (a bias on a piece of
    a longer word, " B" of " Bidis", would push every word that starts with it)."""
    ids: set[int] = set()
    for word in words:
        for form in {word, word.capitalize()}:
            for text in (form, " " + form):
                tokens = llama.tokenize(text.encode(), add_bos=False, special=False)
                if not whole or len(tokens) == 1:
                    ids.update(tokens)
    return ids


# Always allowed under ``only_words``: what any reply needs to be punctuated and to end.
_ALWAYS = tuple(".,;:!?'-\n") + tuple("0123456789") + (" ", "...", "\u2026")


def logits_processor(llama: Any, request: dict) -> Any:
    """The request's logit bias and word limit as one llama.cpp logits processor, or None."""
    import numpy as np
    from llama_cpp import LogitsProcessorList

    bias_words, bias = tuple(request.get("bias_words", ())), float(request.get("bias", 0.0))
    only = tuple(request.get("only_words", ()))
    if not (bias_words and bias) and not only:
        return None
    vector = np.zeros(llama.n_vocab(), dtype=np.float32)
    if only:
        allowed = _word_tokens(llama, only + _ALWAYS)
        allowed |= {llama.token_eos(), llama.token_nl()}
        for stop in request.get("stop", ()):
            allowed |= set(llama.tokenize(stop.encode(), add_bos=False, special=True))
        vector[:] = -np.inf
        vector[sorted(t for t in allowed if 0 <= t < len(vector))] = 0.0
    if bias_words and bias:
        tokens = _word_tokens(llama, bias_words, whole=True)
        ids = sorted(t for t in tokens if 0 <= t < len(vector))
        vector[ids] += bias

    def apply(_input_ids: Any, scores: Any) -> Any:
        scores += vector
        return scores

    return LogitsProcessorList([apply])


def warm_up(llama: Any) -> None:
    """Run the model once on a few tokens, then forget them.

    This runs every matrix kernel the chosen CPU variant uses, so a variant this machine cannot
    execute (CPUID and the kernel can both claim AMX that a hypervisor does not provide) dies
    here, while loading, where the backend quietly retries a lower variant, and not at the
    learner's first question.
    """
    import llama_cpp

    llama.eval(llama.tokenize(b"Doctor: Good morning, how are you feeling today?", add_bos=True))
    llama_cpp.llama_synchronize(llama.ctx)  # settle its timings before they are reset
    llama.reset()
    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(llama.ctx), True)


def load_llama(path: Path, *, n_ctx: int, n_threads: int):
    """Load a GGUF model on the CPU (memory-mapped), turning failures into :class:`ModelCorrupt`."""
    import llama_cpp

    try:
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            n_gpu_layers=0, use_mmap=True, verbose=False,
        )  # fmt: skip
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelCorrupt(
            f"llama.cpp could not load the model file {path}: {exc}",
            "The file may be damaged, or made for a newer llama.cpp. "
            "Copy it again, or choose another model.",
            path=path,
        ) from exc


if __name__ == "__main__":
    raise SystemExit(main())
