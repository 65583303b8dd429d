"""Earshot wake-word evaluation: long noisy test streams, detector adapters, DET curves.

Method follows the Picovoice wake-word benchmark: keyword clips interleaved with background
speech, noise mixed in at 10 dB SNR, a detection counts if it falls inside the keyword or within
0.5 s after it, and the miss rate is read at 1 false alarm per hour and per 10 hours.
"""
