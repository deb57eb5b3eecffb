"""Measured utilisation, power and energy (CodeCarbon, nvidia-smi, DCGM, CloudWatch, Kepler) for the footprint."""
