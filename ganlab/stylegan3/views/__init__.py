"""Analysis views of a rendered picture, as NVIDIA's visualizer offers them (viz/layer_widget.py,
viz/equivariance_widget.py): channel statistics and ordering (layer.py), the windowed power
spectrum in dB (spectrum.py) and undoing the input transform (untransform.py). No web imports.
"""
