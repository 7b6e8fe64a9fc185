"""Let PyTorch do the convolution."""


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    import torch

    out = torch.nn.functional.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        torch.from_numpy(b),
        stride=stride,
        padding=padding,
    )
    return out.numpy()


def conv2d_forward(x, w, b, stride=1, padding=0):
    return conv2d_forward_loop(x, w, b, stride, padding), (x, w, b, stride, padding)


def conv2d_backward(dout, cache):
    import torch

    x, w, b, stride, padding = (torch.tensor(v, requires_grad=True) if hasattr(v, "shape")
                                else v for v in cache)  # fmt: skip
    out = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
    out.backward(torch.from_numpy(dout))
    return x.grad.numpy(), w.grad.numpy(), b.grad.numpy()
