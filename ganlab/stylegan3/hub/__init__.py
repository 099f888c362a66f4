"""The model hub: NVIDIA's official networks by name, and safe downloads into the models folder.

* `catalog`: the official networks (name, config, resolution, training set, size, licence, URL);
* `fetch`: one HTTP(S) download, resumable with Range, bounded, hashed, cancellable;
* `install`: NAME or URL -> a checked network file in the models folder (the safe loader
  reads it before it is renamed into place; nothing in it is ever executed);
* `config`: `GANLAB_HUB_*` settings.
No web imports: the server and the CLI both use it.
"""
