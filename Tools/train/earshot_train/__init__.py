"""Earshot wake-word training pipeline: data → `earshot features` → Keras DS-CNN → int8 TFLite → Models/."""
