"""LatentLab models in PyTorch: a package written by `latentlab export RUN --format pytorch`.

The nets are rebuilt from architecture.json with LatentLab's own weight layouts
(dense kernels [in, out], conv kernels [kh, kw, in, out], activations NHWC), so
weights go back and forth by name without transposes. See README.md beside
this folder for what it covers.
"""
from .package import Package, load_package
from .safetensors import read_safetensors, write_safetensors

__all__ = ['Package', 'load_package', 'read_safetensors', 'write_safetensors']
