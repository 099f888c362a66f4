"""The generator and discriminator: small MLPs whose weights live in one flat float32 buffer.

Why not nn.Module? At GAN Lab's size (8-neuron layers, batch 150) PyTorch spends far more
time dispatching ops than computing, so the fast path here is a hand-written numpy forward
and backward. Each layer's W and b are *views* into one flat buffer, which lets an optimizer
update a whole network in a handful of vectorised ops. The PyTorch reference path
(torch_path.py) wraps the same buffers with `torch.from_numpy` and is the oracle the fast
path is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEAKY_SLOPE = 0.2


def act_forward(name: str, h: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(h, 0)
    if name == "leaky_relu":
        return np.where(h > 0, h, LEAKY_SLOPE * h)
    if name == "tanh":
        return np.tanh(h)
    if name == "elu":
        return np.where(h > 0, h, np.expm1(np.minimum(h, 0)))
    raise ValueError(f"activation: unknown activation {name!r}")


def act_backward(name: str, h: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """dL/dh from dL/da, using the cached pre-activation h and activation a."""
    if name == "relu":
        return grad * (h > 0)
    if name == "leaky_relu":
        return np.where(h > 0, grad, LEAKY_SLOPE * grad)
    if name == "tanh":
        return grad * (1 - a * a)
    return np.where(h > 0, grad, grad * (a + 1))  # elu: d/dh (e^h - 1) = a + 1


@dataclass
class MLP:
    """Dense layers sizes[0] -> ... -> sizes[-1]; `activation` on hidden layers, `output` on the last.

    output is "sigmoid"-free by design: D returns logits (losses apply the sigmoid stably), and
    G's "tanh" output is mapped onto the dataset's view box, `output_center + output_half · tanh`,
    so an untrained G's fakes (tanh near 0) start in the middle of what the plot shows.
    """

    sizes: list[int]
    activation: str
    output: str = "linear"  # "linear" or "tanh"
    output_center: tuple[float, float] = (0.0, 0.0)  # where tanh = 0 lands: the view box's centre
    output_half: tuple[float, float] = (1.0, 1.0)  # where tanh = ±1 lands: the box's half-widths
    flat: np.ndarray = field(init=False)
    grad: np.ndarray = field(init=False)
    weights: list[np.ndarray] = field(init=False)
    biases: list[np.ndarray] = field(init=False)
    grad_weights: list[np.ndarray] = field(init=False)
    grad_biases: list[np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        shapes = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        total = sum(i * o + o for i, o in shapes)
        self.flat = np.zeros(total, dtype=np.float32)
        self.grad = np.zeros(total, dtype=np.float32)
        self.weights, self.biases = self._views(self.flat, shapes)
        self.grad_weights, self.grad_biases = self._views(self.grad, shapes)

    @staticmethod
    def _views(buf: np.ndarray, shapes: list[tuple[int, int]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        ws, bs, at = [], [], 0
        for i, o in shapes:
            ws.append(buf[at:at + i * o].reshape(i, o))  # [in, out]
            at += i * o
            bs.append(buf[at:at + o])
            at += o
        return ws, bs

    def init_gan_lab(self, rng: np.random.Generator) -> None:
        """GAN Lab's init: Gaussian weights, sd 1/sqrt(fan_in) (the first layer's is 1/sqrt(2) for
        1- or 2-D inputs, as GAN Lab fixes it), zero biases."""
        for idx, w in enumerate(self.weights):
            fan_in = w.shape[0]
            sd = 1 / np.sqrt(2) if idx == 0 and fan_in <= 2 else 1 / np.sqrt(fan_in)
            w[...] = rng.normal(0.0, sd, size=w.shape)
        for b in self.biases:
            b[...] = 0.0

    def init(self, rng: np.random.Generator, scheme: str = "gan_lab", gain: float = 1.0) -> None:
        """Initialise every layer by `scheme` (see INIT_SCHEMES); `gain` scales the xavier,
        orthogonal, he and dcgan weights and is ignored by gan_lab and pytorch."""
        if scheme == "gan_lab":
            self.init_gan_lab(rng)
            return
        if scheme not in INIT_SCHEMES:
            raise ValueError(f"init: unknown scheme {scheme!r}; choose one of {', '.join(INIT_SCHEMES)}")
        for w, b in zip(self.weights, self.biases, strict=True):
            fan_in, fan_out = w.shape
            if scheme == "pytorch":  # nn.Linear.reset_parameters: both U(-1/sqrt(fan_in), 1/sqrt(fan_in))
                bound = 1 / np.sqrt(fan_in)
                w[...] = rng.uniform(-bound, bound, size=w.shape)
                b[...] = rng.uniform(-bound, bound, size=b.shape)
                continue
            w[...] = gain * _unit_weights(rng, scheme, fan_in, fan_out)
            b[...] = 0.0

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list]:
        """Output [B, out] and the per-layer cache (input, pre-activation, activation)."""
        cache = []
        a = x
        last = len(self.weights) - 1
        for idx, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = a @ w + b
            out = act_forward(self.activation, h) if idx < last else self._output(h)
            cache.append((a, h, out))
            a = out
        return a, cache

    def _output(self, h: np.ndarray) -> np.ndarray:
        if self.output != "tanh":
            return h
        return (np.tanh(h) * np.asarray(self.output_half, h.dtype) + np.asarray(self.output_center, h.dtype))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[0]

    def backward(self, cache: list, grad_out: np.ndarray, param_grads: bool = True,
                 input_grad: bool = True) -> np.ndarray | None:
        """Writes dL/dparams into self.grad (if param_grads) and returns dL/dinput (if input_grad)."""
        grad = grad_out
        last = len(self.weights) - 1
        for idx in range(last, -1, -1):
            a_in, h, a_out = cache[idx]
            if idx == last:
                if self.output == "tanh":
                    half = np.asarray(self.output_half, a_out.dtype)
                    t = (a_out - np.asarray(self.output_center, a_out.dtype)) / half  # tanh(h), recovered
                    grad = grad * (half * (1 - t * t))
            else:
                grad = act_backward(self.activation, h, a_out, grad)
            if param_grads:
                np.matmul(a_in.T, grad, out=self.grad_weights[idx])
                np.sum(grad, axis=0, out=self.grad_biases[idx])
            if idx == 0 and not input_grad:
                return None
            grad = grad @ self.weights[idx].T
        return grad


INIT_SCHEMES = ("gan_lab", "pytorch", "xavier", "orthogonal", "he", "dcgan")
DCGAN_SD = 0.02


def _unit_weights(rng: np.random.Generator, scheme: str, fan_in: int, fan_out: int) -> np.ndarray:
    """[fan_in, fan_out] weights of one scheme at gain 1."""
    if scheme == "xavier":  # Glorot & Bengio 2010, uniform: variance 2 / (fan_in + fan_out)
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=(fan_in, fan_out))
    if scheme == "he":  # He et al. 2015: N(0, 2 / fan_in), for ReLU layers
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    if scheme == "dcgan":  # Radford et al. 2016 (and PacGAN's code): N(0, 0.02²)
        return rng.normal(0.0, DCGAN_SD, size=(fan_in, fan_out))
    # orthogonal (Saxe et al. 2014): QR of a Gaussian matrix, signs fixed so Q is uniformly distributed
    tall = (max(fan_in, fan_out), min(fan_in, fan_out))
    q, r = np.linalg.qr(rng.standard_normal(tall))
    q = q * np.sign(np.diag(r))  # [max, min], orthonormal columns
    return q if fan_in >= fan_out else q.T


def build_generator(noise_dim: int, layers: int, width: int, activation: str, output: str,
                    view_box: tuple[float, float, float, float]) -> MLP:
    """G: noise -> 2-D point; a tanh output covers exactly `view_box` (xmin, xmax, ymin, ymax)."""
    x0, x1, y0, y1 = view_box
    return MLP([noise_dim] + [width] * layers + [2], activation, output,
               output_center=((x0 + x1) / 2, (y0 + y1) / 2), output_half=((x1 - x0) / 2, (y1 - y0) / 2))


def build_discriminator(pack: int, layers: int, width: int, activation: str) -> MLP:
    # Returns logits; the losses apply the sigmoid (or none, for critics).
    return MLP([2 * pack] + [width] * layers + [1], activation, "linear")
