//! C++ backtraces in errors: off by default (cheap errors), on by request. One test in its own
//! binary, because the switch is process-wide and would race with errors raised by other tests.
use libtorch::{set_cpp_backtraces, Tensor};

fn failing_matmul() -> libtorch::Error {
    let a = Tensor::from_slice(&[1.0f32, 2.0]).reshape(&[1, 2]);
    a.f_matmul(&Tensor::from_slice(&[1.0f32, 2.0, 3.0]).reshape(&[3, 1]))
        .unwrap_err()
}

#[test]
fn backtraces_off_by_default_and_switchable() {
    // The test harness does not set LTRS_CPP_BACKTRACE; CI does not either.
    if std::env::var_os("LTRS_CPP_BACKTRACE").is_some() {
        set_cpp_backtraces(false);
    }
    let plain = failing_matmul();
    assert!(
        plain
            .message()
            .contains("shapes cannot be multiplied (1x2 and 3x1)"),
        "{plain}"
    );
    // Without a backtrace the full message adds only where in libtorch the error was raised.
    assert!(plain.full_message().starts_with(plain.message()));
    assert!(
        !plain.full_message().contains("frame #"),
        "{}",
        plain.full_message()
    );

    set_cpp_backtraces(true);
    let traced = failing_matmul();
    assert_eq!(traced.message(), plain.message());
    assert!(
        traced.full_message().starts_with(traced.message())
            && traced.full_message().contains("frame #"),
        "no backtrace added: {}",
        traced.full_message()
    );

    set_cpp_backtraces(false);
    let again = failing_matmul();
    assert!(!again.full_message().contains("frame #"));
}
