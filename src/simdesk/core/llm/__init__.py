"""The local language model: finding and verifying model files, the backend thread, prompts, guard.

``backend`` is the only module that imports ``llama_cpp``.
"""
