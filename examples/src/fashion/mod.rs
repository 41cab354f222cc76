//! Fashion-MNIST classification (the `fashion-mnist` example): finding the data, the two
//! models, training with a [`DataLoader`](libtorch::data::DataLoader), evaluation with a
//! confusion matrix, the loss/accuracy plot and the loader-overhead measurement.
pub mod launch;
pub mod locate;
pub mod model;
pub mod overhead;
pub mod plot;
pub mod report;
pub mod train;

/// The ten classes, by label.
pub const CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
