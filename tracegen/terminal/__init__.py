"""Trace + Questions -> terminal text: the `tracegen run` output (run) and the quiz (quiz)."""
