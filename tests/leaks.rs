//! No secret leaks: every command and error path runs with sentinel
//! credentials; the secret key, session token and Bedrock key never reach
//! stderr, and reach stdout only where the format asks for them.

// The error paths' credential_process scripts are sh: that test is
// Unix-only; the commands' test runs under wine too.

mod common;
use common::*;

const SECRET_SENTINEL: &str = "SENTINELsecretKEYdoNOTleak0123456789abcd";
const SESSION_SENTINEL: &str = "SENTINELsessionTOKENdoNOTleak+/==";

struct Leaks {
    sb: Sandbox,
    /// The first key, which the corrupt-entry check plants.
    key: String,
    /// Every key any run handled so far: the cache's, a `write` file's and
    /// any on stdout. A `--refresh` or `--no-cache` run makes a new one,
    /// and each later check must look for it too.
    keys: std::cell::RefCell<Vec<String>>,
}

impl Leaks {
    fn new() -> Leaks {
        let sb = Sandbox::new();
        let key = sentinel(sb.run()).ok().trim().to_string();
        assert!(key.starts_with("bedrock-api-key-"));
        Leaks {
            sb,
            keys: std::cell::RefCell::new(vec![key.clone()]),
            key,
        }
    }

    /// Adds the keys `stdout` holds and the ones now in the cache and in
    /// the sandbox's files.
    fn learn(&self, stdout: &str) {
        let mut texts = vec![stdout.to_string()];
        for dir in [self.sb.cache_dir(), self.sb.dir.path().to_path_buf()] {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.path().is_file()
                    && let Ok(text) = std::fs::read_to_string(e.path())
                {
                    texts.push(text);
                }
            }
        }
        let mut keys = self.keys.borrow_mut();
        for text in texts {
            for key in keys_in(&text) {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }

    /// Runs with sentinel credentials and checks where each secret may appear.
    fn check(&self, args: &[&str], key_on_stdout: bool, creds_on_stdout: bool) -> Out {
        self.check_run(
            sentinel(self.sb.run()).args(args),
            args,
            key_on_stdout,
            creds_on_stdout,
        )
    }

    fn check_run(&self, run: Run, what: &[&str], key_ok: bool, creds_ok: bool) -> Out {
        let out = run.output();
        self.learn(&out.stdout);
        let mut secrets = vec![
            ("secret key", SECRET_SENTINEL.to_string()),
            ("session token", "SENTINELsessionTOKEN".to_string()),
        ];
        for key in self.keys.borrow().iter() {
            let body = key.strip_prefix("bedrock-api-key-").unwrap_or(key);
            secrets.push(("key", body[..40].to_string()));
            // The key's signature, alone, is as good as the key.
            secrets.push(("signature", param(key, "X-Amz-Signature").unwrap()));
            if !key_ok {
                assert!(!out.stdout.contains(&body[..40]), "{what:?}: key on stdout");
            }
        }
        for (name, secret) in &secrets {
            assert!(
                !out.stderr.contains(secret.as_str()),
                "{what:?}: {name} on stderr:\n{}",
                out.stderr
            );
        }
        if !creds_ok {
            assert!(
                !out.stdout.contains(SECRET_SENTINEL),
                "{what:?}: secret key on stdout"
            );
            assert!(
                !out.stdout.contains("SENTINELsessionTOKEN"),
                "{what:?}: session token on stdout"
            );
        }
        out
    }
}

/// The Bedrock keys in `text`: `bedrock-api-key-` and its base64 body.
fn keys_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("bedrock-api-key-") {
        let after = &rest[i + "bedrock-api-key-".len()..];
        let n = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=&".contains(c)))
            .unwrap_or(after.len());
        // A real key is long; `bedrock-api-key-...` in a message is not one.
        if n > 100 {
            out.push(format!("bedrock-api-key-{}", &after[..n]));
        }
        rest = &after[n..];
    }
    out
}

fn sentinel(run: Run) -> Run {
    run.env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_SENTINEL)
        .env("AWS_SESSION_TOKEN", SESSION_SENTINEL)
        .env("AWS_REGION", "us-east-1")
}

/// A program that succeeds and prints nothing.
#[cfg(unix)]
const TRUE: [&str; 3] = ["sh", "-c", ":"];
#[cfg(windows)]
const TRUE: [&str; 3] = ["cmd", "/c", "rem"];

#[test]
fn every_command_keeps_secrets_where_they_belong() {
    let l = Leaks::new();
    for (args, key_ok, creds_ok) in [
        (vec!["-v"], true, false),
        (vec!["-v", "token", "--format", "json"], true, false),
        (
            vec!["-v", "token", "--format", "exec-credential"],
            true,
            false,
        ),
        (vec!["-v", "--refresh"], true, false),
        (vec!["-v", "--no-cache"], true, false),
        (vec!["-v", "env"], true, false),
        (vec!["-v", "env", "--shell", "fish"], true, false),
        (vec!["-v", "inspect"], false, false),
        (vec!["-v", "inspect", "--format", "json"], false, false),
        (vec!["-v", "cache", "list"], false, false),
        (vec!["-v", "doctor"], false, false),
        (vec!["-v", "setup", "direnv"], false, false),
        (vec!["-v", "credential-process"], false, true),
        (
            vec!["-v", "exec", "--", TRUE[0], TRUE[1], TRUE[2]],
            false,
            false,
        ),
    ] {
        if args.contains(&"--refresh") || args.contains(&"--no-cache") {
            // A key is signed per second: make these new ones.
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        l.check(&args, key_ok, creds_ok).assert_code(0);
    }
    // write puts the key in the file, not on stdout.
    let path = l.sb.path("key.txt");
    l.check(&["-v", "write", path.to_str().unwrap()], false, false)
        .assert_code(0);
    // inspect - reads the key from stdin.
    let out = l.check_run(
        sentinel(l.sb.run())
            .args(["inspect", "-"])
            .stdin(l.key.clone()),
        &["inspect -"],
        false,
        false,
    );
    out.assert_code(0);
    // The first key, --refresh's and --no-cache's at least: each later
    // check looked for every one of them.
    let keys = l.keys.borrow().len();
    assert!(keys >= 3, "{keys} keys followed");
}

#[cfg(unix)]
#[test]
fn every_error_path_keeps_secrets_off_stderr() {
    let l = Leaks::new();
    // Bad region, bad duration, unknown profile, exec of a missing program.
    l.check(&["-v", "--region", "NOPE"], false, false)
        .assert_code(2);
    l.check(&["-v", "--duration", "99h"], false, false)
        .assert_code(2);
    l.check(&["-v", "-p", "missing"], false, false)
        .assert_code(1);
    l.check(&["-v", "exec", "--", "/nonexistent"], false, false)
        .assert_code(1);
    l.check(
        &[
            "-v",
            "inspect",
            "--format",
            "json",
            "--region",
            "bad region",
        ],
        false,
        false,
    )
    .assert_code(2);

    // verify with nobody answering, and a key passed as an argument (refused
    // without being quoted back, unlike clap's own errors).
    let closed = format!("http://127.0.0.1:{}", free_port());
    let run = sentinel(l.sb.run())
        .env("AWS_ENDPOINT_URL_BEDROCK", &closed)
        .args(["-v", "verify"]);
    l.check_run(run, &["verify"], false, false).assert_code(1);
    for command in ["verify", "inspect"] {
        let run = sentinel(l.sb.run()).args([command, &l.key]);
        l.check_run(run, &[command, "KEY"], false, false)
            .assert_code(2);
    }

    // A corrupt cache entry that holds the secrets.
    let cache = l.sb.cache_dir();
    for e in std::fs::read_dir(&cache).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "json") {
            std::fs::write(
                e.path(),
                format!(
                    "{{\"token\": \"{}\", \"secret\": \"{SECRET_SENTINEL}\" broken",
                    l.key
                ),
            )
            .unwrap();
        }
    }
    l.check(&["-v"], true, false).assert_code(0);

    // A lock held elsewhere: the timeout.
    let lock = key_lock(&cache);
    l.check(&["cache", "clear"], false, false).assert_code(0);
    let held = hold_lock(&lock);
    l.check(&["-v", "--lock-timeout", "1s"], false, false)
        .assert_code(1);
    drop(held);

    // A credential_process that prints the secrets in a shape aws-config
    // rejects, and one that fails after printing them on stdout.
    for body in [
        format!(
            r#"echo '{{"Version": 2, "AccessKeyId": "{AKID}", "SecretAccessKey": "{SECRET_SENTINEL}", "SessionToken": "{SESSION_SENTINEL}"}}'"#
        ),
        format!(
            r#"echo '{{"Version": 1, "AccessKeyId": "{AKID}", "SecretAccessKey": "{SECRET_SENTINEL}", "SessionToken": "{SESSION_SENTINEL}", "Expiration": "not-a-date"}}'"#
        ),
        format!(r#"echo '{{"Version": 1, "SecretAccessKey": "{SECRET_SENTINEL}"'"#),
        format!(
            r#"echo '{{"Version": 1, "AccessKeyId": "{AKID}", "SecretAccessKey": "{SECRET_SENTINEL}"}}'; exit 1"#
        ),
    ] {
        let script = l.sb.script("bin/leaky", &body);
        l.sb.config(&format!(
            "[profile leaky]\nregion = us-east-1\ncredential_process = {}\n",
            script.display()
        ));
        let run = l.sb.run().args(["-v", "-p", "leaky", "--no-cache"]);
        l.check_run(run, &["leaky credential_process"], false, false)
            .assert_code(1);
    }

    // The recursion guard.
    l.sb.config(&format!(
        "[profile loop]\nregion = us-east-1\ncredential_process = {} credential-process --profile loop\n",
        bin()
    ));
    let run = l.sb.run().args(["credential-process", "-p", "loop"]);
    l.check_run(run, &["recursion"], false, false)
        .assert_code(1);
}

/// The session token and container authorization token key the cache (a
/// key signed under one is never handed out under another) without being
/// held anywhere a request's value goes: no cache file holds them, and no
/// `-v` output.
#[test]
fn secret_identity_variables_key_the_cache_without_being_kept() {
    let sb = Sandbox::new();
    let run = |token: &str| {
        sb.run()
            .env("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", SECRET_SENTINEL)
            .env("AWS_SESSION_TOKEN", token)
            .env(
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                format!("{token}-container"),
            )
            .env("AWS_REGION", "us-east-1")
            .arg("-v")
            .output()
    };
    let a = run("SENTINELsessionTOKENone");
    a.assert_code(0);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = run("SENTINELsessionTOKENtwo");
    b.assert_code(0);
    assert_ne!(a.stdout, b.stdout, "another session token, another key");
    assert_eq!(entries(&sb).len(), 2, "one entry per session token");
    let again = run("SENTINELsessionTOKENone");
    assert_eq!(again.stdout, a.stdout, "the same token, the same entry");
    for out in [&a, &b, &again] {
        assert!(
            !out.stderr.contains("SENTINELsessionTOKEN"),
            "{}",
            out.stderr
        );
    }
    for e in std::fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        assert!(
            !text.contains("SENTINELsessionTOKEN"),
            "{}",
            e.path().display()
        );
    }
}
