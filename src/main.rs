//! The `bedrock-token` binary: see the library for everything but start-up.
//!
//! On Unix, `no_main`: std's runtime set-up (stack-guard discovery through
//! /proc/self/maps, alternate signal stacks) costs more than a cache hit
//! does; we start from C's `main` and set the two things we need, SIGPIPE and SIGXFSZ.
//! Windows has neither signal and starts from an ordinary `main`.

#![cfg_attr(unix, no_main)]

#[cfg(unix)]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // A reader that goes away (`| head`) must give EPIPE, not kill us: the
    // printer treats it as success.
    // Likewise a file-size limit on stdout or stderr must give EFBIG, not
    // SIGXFSZ: a note that cannot be written must not cost the key.
    // SAFETY: no other thread exists yet; SIG_IGN is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    bedrock_token::run_main() as libc::c_int
}

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    bedrock_token::run_main().into()
}
