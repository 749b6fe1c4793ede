"""The model runtime (llama.cpp in simdesk's model process) against raw llama-cpp-python.

A 20-turn scripted consultation on the bundled TB case goes through
``simdesk.core.consultation.Consultation`` and simdesk's ``ModelBackend``, whose model runs in a
child process with tokens coming back over a pipe; each turn's exact prompt is then given to a raw
``llama_cpp.Llama`` in this process (same CPU variant, its own KV cache, the same history) with
the same sampling and seed, turn by turn, so both sides share the machine's noise. A separate
process plays the same consultation through simdesk alone, for its cold start and peak memory.

    .venv/bin/python benchmarks/llm_bench.py [--json PATH] [--turns 20]

Targets: decode rate >= 0.95 x raw; time to first token <= raw + 20 ms; turn-20 time to first
token <= 1.5 x turn 2; cold start (spawn + load to ready) <= 2 s; peak RSS of simdesk and its
model process together <= 1 GB. Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from simdesk.core.cases.loader import load_case
from simdesk.core.consultation import Consultation
from simdesk.core.llm.backend import ModelBackend, ModelFailed, ModelReady, ReplyDone, ReplyToken
from simdesk.core.llm.machine import peak_rss_mb, physical_cores
from simdesk.core.llm.model_files import ensure_default_model
from simdesk.core.llm.prompt import DEFAULT_CONTEXT, REPLY_TOKENS
from simdesk.core.paths import bundled_cases_dir, locations

CASE = "pulmonary-tb-miner.yaml"
N_CTX = DEFAULT_CONTEXT
SAMPLING = {"max_tokens": REPLY_TOKENS, "temperature": 0.7, "top_p": 0.9}


@dataclass
class Turn:
    number: int
    question: str
    prompt_tokens: int
    evaluated_tokens: int
    tokens: int
    simdesk_ttft: float
    simdesk_decode_s: float
    raw_ttft: float = 0.0
    raw_decode_s: float = 0.0
    same_text: bool = True


def script(turns: int) -> list[str]:
    """The questions: each fact's first phrasing, then second phrasings, until ``turns``."""
    case = load_case(bundled_cases_dir() / CASE)
    questions = [f.cues[0] for f in case.facts] + [f.cues[1] for f in case.facts if len(f.cues) > 1]
    return questions[:turns]


class SimdeskSide:
    """simdesk's backend, timed from submit to the first token event a front end would get."""

    def __init__(self, model: Path) -> None:
        self.events: queue.Queue = queue.Queue()
        started = time.perf_counter()
        self.backend = ModelBackend(model, self.events.put, n_ctx=N_CTX)
        self.backend.start()
        ready = self._until((ModelReady, ModelFailed))
        if isinstance(ready, ModelFailed):
            raise ready.error
        self.cold_load_s = time.perf_counter() - started

    def _until(self, kinds):
        while True:
            event = self.events.get(timeout=300)
            if isinstance(event, kinds):
                return event

    def ask(self, prompt: str, stop: tuple[str, ...], seed: int):
        started = time.perf_counter()
        self.backend.submit(prompt, stop=stop, seed=seed, **SAMPLING)
        first = 0.0
        pieces = []
        while True:
            event = self.events.get(timeout=300)
            if isinstance(event, ReplyToken):
                first = first or time.perf_counter() - started
                pieces.append(event.text)
            elif isinstance(event, ReplyDone):
                return event, first
            elif hasattr(event, "error"):
                raise event.error


class RawSide:
    """Plain llama-cpp-python: the same load options, prompt, sampling and seed."""

    def __init__(self, model: Path) -> None:
        import llama_cpp

        from simdesk.core.llm.model_process import load_cpu_backend

        self.variant, _ = load_cpu_backend()  # the variant simdesk's model process uses
        started = time.perf_counter()
        self.llama = llama_cpp.Llama(
            model_path=str(model), n_ctx=N_CTX, n_threads=physical_cores(),
            n_threads_batch=physical_cores(), n_gpu_layers=0, use_mmap=True, verbose=False,
        )  # fmt: skip
        self.load_s = time.perf_counter() - started

    def reopen(self, prefix: str, repeats: int = 3) -> dict[str, float]:
        """Re-opening a case: reading the persona prefix again vs loading a saved state."""
        tokens = self.llama.tokenize(prefix.encode(), add_bos=True, special=True)
        read, load = [], []
        for _ in range(repeats):
            self.llama.reset()
            started = time.perf_counter()
            self.llama.eval(tokens)
            read.append(time.perf_counter() - started)
            state = self.llama.save_state()
            self.llama.reset()
            started = time.perf_counter()
            self.llama.load_state(state)
            load.append(time.perf_counter() - started)
        size_mb = (state.llama_state_size + state.scores.nbytes) / 1e6
        return {"prefix_tokens": len(tokens), "read_s": statistics.median(read),
                "load_state_s": statistics.median(load), "state_mb": size_mb}  # fmt: skip

    def ask(self, prompt: str, stop: tuple[str, ...], seed: int) -> tuple[str, float, float]:
        started = time.perf_counter()
        first = last = 0.0
        pieces = []
        for chunk in self.llama.create_completion(
            prompt, stop=list(stop), seed=seed, stream=True, **SAMPLING
        ):
            text = chunk["choices"][0]["text"]
            if text:
                last = time.perf_counter() - started
                first = first or last
                pieces.append(text)
        return "".join(pieces), first, last - first


def play(simdesk: SimdeskSide, raw: RawSide | None, turns: int) -> list[Turn]:
    """One scripted consultation; with ``raw``, each prompt also goes to raw llama.cpp."""
    case = load_case(bundled_cases_dir() / CASE)
    consultation = Consultation(
        case, prompt_format=simdesk.backend.prompt_format, context_tokens=N_CTX
    )
    results = []
    for number, question in enumerate(script(turns), start=1):
        pending = consultation.ask(question)
        if pending.prompt is None:
            consultation.finish(pending)
            continue
        raw_first = raw is not None and number % 2 == 0  # alternate who goes first
        if raw_first:
            raw_result = raw.ask(pending.prompt, pending.stop, number)
        done, ttft = simdesk.ask(pending.prompt, pending.stop, seed=number)
        if raw is not None and not raw_first:
            raw_result = raw.ask(pending.prompt, pending.stop, number)
        pending.stream.feed(done.text)
        consultation.finish(pending)
        turn = Turn(
            number, question, done.prompt_tokens, done.evaluated_tokens, done.completion_tokens,
            ttft, done.decode_seconds,
        )  # fmt: skip
        if raw is not None:
            text, turn.raw_ttft, turn.raw_decode_s = raw_result
            turn.same_text = text == done.text
        results.append(turn)
    return results


def child_main(model: Path, turns: int) -> None:
    """simdesk alone in a fresh process: cold start and peak memory, app and model process."""
    import resource

    simdesk = SimdeskSide(model)
    play(simdesk, None, turns)
    simdesk.backend.shutdown()
    model_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"cold_load_s": simdesk.cold_load_s, "app_peak_mb": peak_rss_mb(),
                      "model_peak_mb": model_peak}))  # fmt: skip


def rate(tokens: int, seconds: float) -> float:
    return (tokens - 1) / seconds if seconds > 0 and tokens > 1 else 0.0


@dataclass
class TurnSummary:
    """One turn over all passes: medians of each measure."""

    number: int
    prompt_tokens: int
    evaluated_tokens: int
    tokens: float
    simdesk_ttft: float
    raw_ttft: float
    simdesk_rate: float
    raw_rate: float
    same_text: bool


def summarise(passes: list[list[Turn]]) -> list[TurnSummary]:
    """Per turn, the median of each measure over the passes (bursts of load drop out)."""
    summaries = []
    for same_turn in zip(*passes, strict=True):
        first = same_turn[0]

        def med(measure, turns=same_turn):
            return statistics.median(measure(t) for t in turns)

        summaries.append(
            TurnSummary(
                first.number, first.prompt_tokens, first.evaluated_tokens,
                med(lambda t: t.tokens), med(lambda t: t.simdesk_ttft), med(lambda t: t.raw_ttft),
                med(lambda t: rate(t.tokens, t.simdesk_decode_s)),
                med(lambda t: rate(t.tokens, t.raw_decode_s)),
                all(t.same_text for t in same_turn),
            )
        )  # fmt: skip
    return summaries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--passes", type=int, default=3, help="consultations to take medians of")
    parser.add_argument("--json", type=Path, default=Path("artifacts/llm_bench.json"))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.turns)
        return 0
    model = ensure_default_model(locations().ensure().models)
    # The first start on a machine may try a CPU variant that turns out not to run here (and
    # records it); start once so the timed start below is an ordinary one.
    first = SimdeskSide(model)
    first.backend.shutdown()
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(model), "--turns", str(args.turns)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    alone = json.loads(child.stdout.strip().splitlines()[-1])
    raw = RawSide(model)
    simdesk = SimdeskSide(model)
    passes = [play(simdesk, raw, args.turns) for _ in range(args.passes)]
    simdesk.backend.shutdown()
    turns = summarise(passes)

    print(f"medians of {args.passes} passes; 'read' = prompt tokens llama.cpp evaluated (pass 1)")
    print(f"{'turn':>4} {'prompt':>6} {'read':>5} {'tok':>4} {'ttft s':>7} {'raw':>7} "
          f"{'tok/s':>6} {'raw':>6}  same")  # fmt: skip
    for t in turns:
        print(
            f"{t.number:>4} {t.prompt_tokens:>6} {t.evaluated_tokens:>5} {t.tokens:>4.0f} "
            f"{t.simdesk_ttft:>7.3f} {t.raw_ttft:>7.3f} {t.simdesk_rate:>6.1f} {t.raw_rate:>6.1f}"
            f"  {'yes' if t.same_text else 'NO'}"
        )
    # Each turn ran on both sides back to back: compare them turn by turn, then take the median.
    ratios = [
        rate(t.tokens, t.simdesk_decode_s) / rate(t.tokens, t.raw_decode_s)
        for run in passes for t in run if t.tokens > 2
    ]  # fmt: skip
    all_turns = [t for run in passes for t in run if t.tokens > 1]
    decoded = sum(t.tokens - 1 for t in all_turns)
    simdesk_rate = decoded / sum(t.simdesk_decode_s for t in all_turns)
    raw_rate = decoded / sum(t.raw_decode_s for t in all_turns)
    by_number = {t.number: t for t in turns}
    ttft_2, ttft_last = by_number[2].simdesk_ttft, turns[-1].simdesk_ttft
    ttft_extra_ms = 1000 * statistics.median(t.simdesk_ttft - t.raw_ttft for t in turns)
    peak = alone["app_peak_mb"] + alone["model_peak_mb"]
    raw_ttft_ratio = turns[-1].raw_ttft / by_number[2].raw_ttft
    checks = [
        ("decode rate vs raw", statistics.median(ratios), ">=", 0.95,
         f"median of {len(ratios)} turn ratios; totals {simdesk_rate:.1f} vs {raw_rate:.1f} tok/s"),
        ("TTFT minus raw (ms)", ttft_extra_ms, "<=", 20.0, "median over the turns"),
        (f"TTFT turn {turns[-1].number} / turn 2", ttft_last / ttft_2, "<=", 1.5,
         f"{ttft_last:.3f} s / {ttft_2:.3f} s (raw llama.cpp: {raw_ttft_ratio:.2f})"),
        ("cold start (s)", alone["cold_load_s"], "<=", 2.0,
         f"spawn + load to ready; raw Llama() {raw.load_s:.2f} s (variant {raw.variant})"),
        ("peak RSS (MB)", peak, "<=", 1024.0,
         f"app {alone['app_peak_mb']:.0f} + model process {alone['model_peak_mb']:.0f}"),
    ]  # fmt: skip
    print()
    print(f"{'measure':<24} {'value':>8}  target   result  note")
    failed = 0
    for name, value, op, target, note in checks:
        ok = value >= target if op == ">=" else value <= target
        failed += not ok
        print(f"{name:<24} {value:>8.2f}  {op} {target:<5}  {'PASS' if ok else 'FAIL':<6}  {note}")
    reopen = raw.reopen(Consultation(load_case(bundled_cases_dir() / CASE)).transcript.prefix)
    print(
        f"re-opening a case: reading the {reopen['prefix_tokens']}-token persona prefix takes "
        f"{reopen['read_s']:.2f} s; loading a saved state takes {reopen['load_state_s']:.2f} s "
        f"and keeps {reopen['state_mb']:.0f} MB per case"
    )
    same = sum(t.same_text for t in turns)
    print(f"identical replies from both sides: {same}/{len(turns)}; median raw TTFT "
          f"{statistics.median(t.raw_ttft for t in turns):.3f} s")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "turns": [asdict(t) for t in turns],
                "passes": [[asdict(t) for t in run] for run in passes],
                "checks": [
                    {"name": n, "value": v, "op": o, "target": g, "note": note}
                    for n, v, o, g, note in checks
                ],
                "alone": alone,
                "reopen": reopen,
                "threads": physical_cores(),
            },
            indent=2,
        )
    )
    print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
