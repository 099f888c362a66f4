"""Server side of the GAN Lab tab: one training session per browser tab.

It owns the session registry (`sessions`), the training loop that runs a Trainer off the event
loop (`training_loop`, `pacing`), the websocket protocol and its dispatch (`protocol`,
`connection`), the binary frame format (`frames`) and the HTTP/websocket routes (`routes`).
"""
