"""Parameter studies on top of the 2D GAN engine: `ganlab sweep`.

A sweep spec (`sweep`) expands into runs executed by a backend (`backends`: a local process pool
or Ray), with named studies (`presets`), result tables (`tables`), plots (`plots`) and an HTML
report (`report`). It depends on `ganlab.gan2d`; the engine never imports it.
"""
