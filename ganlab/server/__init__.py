"""The web server: FastAPI app, GAN Lab websocket sessions and the static UI."""
