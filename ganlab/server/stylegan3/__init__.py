"""Server side of the StyleGAN3 tab.

It owns the model registry over the models folder (`models`), the validated render request
(`params`), rendering to images off the event loop (`render`, `service`), the interactive
websocket (`socket`), uploads of network files (`uploads`) and the HTTP routes (`routes`).
The generator itself is `ganlab.stylegan3`; nothing here executes code from a model file.
"""
