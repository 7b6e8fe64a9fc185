"""Let SciPy do the correlation."""

import numpy as np


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    from scipy.signal import correlate

    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.stack(
        [
            np.stack([correlate(xp[n], w[f], mode="valid")[0] + b[f] for f in range(w.shape[0])])
            for n in range(x.shape[0])
        ]
    )
    return out[:, :, ::stride, ::stride]


def conv2d_forward(x, w, b, stride=1, padding=0):
    return conv2d_forward_loop(x, w, b, stride, padding), (x, w, b, stride, padding)


def conv2d_backward(dout, cache):
    import scipy  # noqa: F401

    return None
