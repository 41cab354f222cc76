//! NumPy's `.npy` and `.npz` files (read and write). Being written.
