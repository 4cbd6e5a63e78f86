"""The bank: a vendor's past human decisions, indexed by perceptual hash (issue 17).

A new item is looked up here before it is queued, so a reviewer never has to look at the same
harm twice. Images are PDQ hashes (256 bits, a match is Hamming distance <= 31); videos are one
PDQ per second of footage (vPDQ: a match is >= 80% of the new video's frames matching frames of
one banked video). The index is multi-index hashing in Redis: see docs/matching.md, "The bank
and its index". Entry points are in `bank.service`.
"""
