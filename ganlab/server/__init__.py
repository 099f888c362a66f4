"""The web server. `app.py` builds the FastAPI app (settings, routes, the static UI) and
`origin.py` holds the checks every route shares; each tab's server side is a subpackage:

- `gan2d/`: GAN Lab sessions, the training loop, the websocket protocol, frames, pacing, routes;
- `stylegan3/`: the model registry, render parameters, the render service, its socket, uploads, routes.

Nothing here holds maths: the engines live in `ganlab.gan2d` and `ganlab.stylegan3`.
"""
