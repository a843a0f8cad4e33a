//! The shared harness: a temporary HOME with its own AWS files, a builder
//! that runs the real binary in it, and the outside tools (moto's server,
//! the reference generator, shells) the tests talk to.
#![allow(dead_code)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod bedrock;
pub mod http;
pub mod watcher;

pub const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// `~/.aws/config` with an SSO profile `corp` whose session has expired
/// (no token is cached): what `--login` is for.
pub const SSO_PROFILE: &str = "[profile corp]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
    [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bedrock-token")
}

/// A temporary HOME with `.aws/config` and `.aws/credentials` paths.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home/.aws")).unwrap();
        Sandbox { dir }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".cache/bedrock-token")
    }

    /// Writes a file under the sandbox, creating parents.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn config(&self, text: &str) {
        self.write("home/.aws/config", text);
    }

    pub fn credentials(&self, text: &str) {
        self.write("home/.aws/credentials", text);
    }

    /// An executable script (for credential_process and friends).
    #[cfg(unix)]
    pub fn script(&self, rel: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(rel, &format!("#!/bin/sh\n{body}\n"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Any program with the environment every test starts from: this HOME,
    /// no AWS variables, no instance metadata probing (tests that want it
    /// point it at loopback).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Run {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .current_dir(self.dir.path());
        // Windows programs need their system directory (cmd.exe, sockets)
        // and a temp directory. Their default cache directory comes from
        // the Known Folder API, not from HOME: point it into the sandbox.
        #[cfg(windows)]
        {
            for var in ["SystemRoot", "windir", "TEMP", "TMP"] {
                if let Some(v) = std::env::var_os(var) {
                    cmd.env(var, v);
                }
            }
            cmd.env("BEDROCK_TOKEN_CACHE_DIR", self.cache_dir());
        }
        Run { cmd, stdin: None }
    }

    /// bedrock-token in that environment.
    pub fn run(&self) -> Run {
        self.command(bin())
    }

    /// `run()` with the documented example keys in the environment.
    pub fn run_static(&self) -> Run {
        self.run().static_creds()
    }

    /// `sh -c SCRIPT`, with the example keys, for what needs a shell around
    /// us (umask, ulimit, traps).
    pub fn sh(&self, script: &str) -> Run {
        self.command("sh").args(["-c", script]).static_creds()
    }
}

/// The AWS CLI's `sts get-caller-identity`: who the credentials in `run`'s
/// environment or profile are, as moto's STS at `moto` says.
pub fn caller_arn(run: Run, moto: &Moto) -> String {
    let out = run
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .args(["sts", "get-caller-identity", "--output", "json"])
        .output();
    out.assert_code(0);
    let id: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    id["Arn"].as_str().unwrap().to_string()
}

/// A credential_process that sleeps, counts its runs, and returns
/// credentials that expire `expires_in` seconds after it runs.
#[cfg(unix)]
pub fn counting_profile(sb: &Sandbox, sleep: &str, expires_in: u64) -> PathBuf {
    let count = sb.path("runs");
    let script = sb.script(
        "bin/creds",
        &format!(
            r#"echo run >> '{count}'
sleep {sleep}
exp=$(date -u -d '+{expires_in} seconds' +%Y-%m-%dT%H:%M:%SZ)
echo '{{"Version":1,"AccessKeyId":"ASIACOUNTINGEXAMPLE1","SecretAccessKey":"countsecret","SessionToken":"counttoken","Expiration":"'$exp'"}}'"#,
            count = count.display()
        ),
    );
    sb.config(&format!(
        "[profile slow]\nregion = us-east-1\ncredential_process = {}\n",
        script.display()
    ));
    count
}

/// The same on Windows: a `.cmd` script; `ping -n` waits (whole seconds),
/// and the expiry is fixed when the profile is made.
#[cfg(windows)]
pub fn counting_profile(sb: &Sandbox, sleep: &str, expires_in: u64) -> PathBuf {
    let count = sb.path("runs");
    let expires = time::OffsetDateTime::now_utc() + time::Duration::seconds(expires_in as i64);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let wait: u64 = sleep.parse().unwrap_or(0);
    let script = sb.write(
        "bin/creds.cmd",
        &format!(
            "@echo off\r\necho run>>\"{}\"\r\nping -n {} 127.0.0.1 >nul\r\necho {{\"Version\":1,\"AccessKeyId\":\"ASIACOUNTINGEXAMPLE1\",\"SecretAccessKey\":\"countsecret\",\"SessionToken\":\"counttoken\",\"Expiration\":\"{expires}\"}}\r\n",
            count.display(),
            wait + 1
        ),
    );
    sb.config(&format!(
        "[profile slow]\nregion = us-east-1\ncredential_process = \"{}\"\n",
        script.display()
    ));
    count
}

pub fn runs(path: &PathBuf) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// The cache entries (not lock files) of the sandbox's cache, sorted.
pub fn entries(sb: &Sandbox) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(sb.cache_dir())
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "json"));
    v.sort();
    v
}

/// The one cache entry there must be.
#[track_caller]
pub fn only_entry(sb: &Sandbox) -> PathBuf {
    let e = entries(sb);
    assert_eq!(e.len(), 1, "one entry: {e:?}");
    e[0].clone()
}

pub struct Run {
    pub cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Run {
    pub fn static_creds(self) -> Run {
        self.env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_REGION", "us-east-1")
    }

    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(k, v);
        self
    }

    pub fn env_remove(mut self, k: &str) -> Run {
        self.cmd.env_remove(k);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Run {
        self.stdin = Some(input.into());
        self
    }

    pub fn spawn(mut self) -> Child {
        self.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn bedrock-token")
    }

    pub fn output(mut self) -> Out {
        let started = Instant::now();
        let mut child = self
            .cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn bedrock-token");
        if let Some(input) = self.stdin.take() {
            child.stdin.take().unwrap().write_all(&input).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        Out::from(out, started.elapsed())
    }

    /// Runs, expects exit 0 and nothing on stderr, returns stdout. A run
    /// that may warn says so with `output()` and its own assertions.
    #[track_caller]
    pub fn ok(self) -> String {
        let out = self.output();
        out.assert_code(0);
        assert_eq!(out.stderr, "", "nothing on stderr\nstdout: {}", out.stdout);
        out.stdout
    }

    /// Runs, expects exit 0 and stderr mentioning each of `needles` (the
    /// notes this run must give), returns stdout.
    #[track_caller]
    pub fn ok_with(self, needles: &[&str]) -> String {
        let out = self.output();
        out.assert_code(0).assert_stderr_mentions(needles);
        out.stdout
    }
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Out {
    pub fn from(out: std::process::Output, elapsed: Duration) -> Out {
        #[cfg(unix)]
        let code = {
            use std::os::unix::process::ExitStatusExt;
            out.status
                .code()
                .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0))
        };
        // Windows: every exit has a code.
        #[cfg(windows)]
        let code = out.status.code().unwrap_or(-1);
        Out {
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed,
        }
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Out {
        assert_eq!(
            self.code, code,
            "exit code {} (want {code})\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Success with a key on stdout, and stderr mentioning each of `needles`
    /// (the warnings a degraded but working run must give).
    #[track_caller]
    pub fn assert_key(&self, needles: &[&str]) -> &Out {
        self.assert_code(0);
        assert!(
            self.stdout.starts_with("bedrock-api-key-"),
            "a key: {}",
            self.stdout
        );
        self.assert_stderr_mentions(needles)
    }

    #[track_caller]
    pub fn assert_stderr_mentions(&self, needles: &[&str]) -> &Out {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should mention {n:?}:\n{}",
                self.stderr
            );
        }
        self
    }

    /// A failure: the code, nothing on stdout, and stderr mentioning each of `needles`.
    #[track_caller]
    pub fn assert_fails(&self, code: i32, needles: &[&str]) -> &Out {
        self.assert_code(code);
        assert_eq!(self.stdout, "", "nothing on stdout on failure");
        self.assert_stderr_mentions(needles)
    }
}

/// Whether tests must fail when a tool is missing (CI, scripts/test.sh).
fn tools_required() -> bool {
    std::env::var_os("BEDROCK_TOKEN_TEST_REQUIRE_TOOLS").is_some()
        || std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A test that cannot run on this machine: a failure where tools are
/// required (CI, scripts/test.sh), a loud skip with the reason elsewhere.
#[track_caller]
pub fn skip_or_fail(reason: &str) {
    if tools_required() {
        panic!("cannot run here: {reason} (tests may not skip in CI)");
    }
    eprintln!("SKIPPED: {reason}");
}

/// `console.exe` (scripts/windows/console.c, built by
/// scripts/windows-tests.sh beside the binary): Ctrl-C between processes
/// on a console of their own, which is how wine 8 delivers it.
#[cfg(windows)]
pub fn console_tool() -> Option<PathBuf> {
    let tool = Path::new(bin()).with_file_name("console.exe");
    if tool.is_file() {
        Some(tool)
    } else {
        skip_or_fail("no console.exe beside the binary: run scripts/windows-tests.sh");
        None
    }
}

/// Sends Ctrl-C to every process on the console of `pid`, which must have
/// been started with a console of its own (`CREATE_NEW_CONSOLE`).
#[cfg(windows)]
#[track_caller]
pub fn send_ctrl_c(console: &Path, pid: u32) {
    let out = Command::new(console)
        .arg("send")
        .arg(pid.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "console send {pid}: {}", out.status);
}

/// windows-sys's `Win32::System::Threading::CREATE_NEW_CONSOLE`.
#[cfg(windows)]
pub const CREATE_NEW_CONSOLE: u32 = 0x0000_0010;

/// The first line `child` prints on its (piped) stdout: a server's "I
/// listen here". The rest of its stdout is closed.
pub fn first_stdout_line(child: &mut Child) -> String {
    use std::io::BufRead;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout piped"))
        .read_line(&mut line)
        .unwrap();
    line
}

/// Node and the project's npm tools (`.npm-tools/node_modules`, for
/// NODE_PATH) with `package` among them; `None` when either is missing (a
/// failure in CI, a loud skip elsewhere).
pub fn node_with(package: &str) -> Option<(PathBuf, PathBuf)> {
    let node = tool("node")?;
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join(".npm-tools/node_modules");
    if !modules.join(package).is_dir() {
        skip_or_fail(&format!("{package} is missing: run scripts/test-deps.sh"));
        return None;
    }
    Some((node, modules))
}

/// An outside tool: from the test venv, the project's npm tools, else PATH.
/// Missing: a failure in CI, a loud skip elsewhere.
pub fn tool(name: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("BEDROCK_TOKEN_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    // npm tools (Claude Code) live in the project's .npm-tools.
    let npm = Path::new(env!("CARGO_MANIFEST_DIR")).join(".npm-tools/node_modules/.bin");
    let candidates = [venv.join("bin").join(name), npm.join(name)]
        .into_iter()
        .chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|d| d.join(name))
                .collect::<Vec<_>>(),
        );
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if tools_required() {
        panic!("{name} is missing: run scripts/test-deps.sh (tests may not skip in CI)");
    }
    eprintln!("SKIPPED: {name} is missing; run scripts/test-deps.sh");
    None
}

/// The venv's python with the reference generator.
pub fn reference_python() -> Option<PathBuf> {
    let py = tool("python")?;
    let ok = Command::new(&py)
        .args(["-c", "import aws_bedrock_token_generator"])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(py)
    } else if tools_required() {
        panic!("aws-bedrock-token-generator is not installed: run scripts/test-deps.sh");
    } else {
        eprintln!("SKIPPED: aws-bedrock-token-generator missing");
        None
    }
}

/// Takes the exclusive lock bedrock-token takes on `path` (flock), as another
/// process that never lets go would; released on drop.
pub fn hold_lock(path: &Path) -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    file.try_lock().expect("lock is free");
    file
}

/// The lock file of the one Bedrock key entry in `cache`.
pub fn key_lock(cache: &Path) -> PathBuf {
    let entries: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("bedrock-key-") && name.ends_with(".json")
        })
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].with_extension("lock")
}

/// A tiny HTTP/1.1 server on loopback, for the credential endpoints of ECS
/// and EC2 instance metadata: `answer(method, path)` gives status and body
/// (every answer carries IMDSv2's token-TTL header).
pub fn serve_http(answer: fn(&str, &str) -> (u16, String)) -> String {
    let port = http::serve(move |mut stream, _| {
        let Some(request) = http::read_request(&stream) else {
            return;
        };
        let (status, body) = answer(&request.method, &request.target);
        let _ = write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    format!("http://127.0.0.1:{port}")
}

/// `systemd-analyze verify --user` on a unit file: its answer, so a test
/// can require acceptance (see [`assert_unit_accepted`]) or refusal.
pub fn systemd_verify(sb: &Sandbox, analyze: &Path, runtime: &Path, unit: &Path) -> Out {
    sb.command(analyze)
        .env("XDG_RUNTIME_DIR", runtime)
        .env("SYSTEMD_LOG_LEVEL", "notice")
        .args(["verify", "--user"])
        .arg(unit)
        .output()
}

/// systemd accepts the unit file, without a remark.
#[track_caller]
pub fn assert_unit_accepted(sb: &Sandbox, analyze: &Path, runtime: &Path, unit: &Path) {
    let out = systemd_verify(sb, analyze, runtime, unit);
    out.assert_code(0);
    assert_eq!(out.stderr, "", "systemd-analyze had remarks");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// moto's server on loopback, playing STS. Killed on drop.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Option<Moto> {
        let server = tool("moto_server")?;
        let port = free_port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(moto)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Base64 body of a key -> the presigned URL.
pub fn decode_url(token: &str) -> String {
    use base64::Engine;
    let body = token
        .trim()
        .strip_prefix("bedrock-api-key-")
        .expect("key prefix");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap(),
    )
    .unwrap()
}

/// A query parameter of a key's URL, still percent-encoded.
pub fn param(token: &str, name: &str) -> Option<String> {
    let url = decode_url(token);
    let query = url.split_once('?')?.1.to_string();
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
}

// SigV4 by hand, independently of aws-sigv4, for the fake services.

pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

/// RFC 2104 HMAC over SHA-256 (keys here are shorter than its 64-byte block).
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let mut inner = sha2::Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = sha2::Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn amz_date(date: &str) -> i64 {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(date, format)
        .map(|t| t.assume_utc().unix_timestamp())
        .unwrap_or(0)
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The SigV4 signature of `string_to_sign`: HMAC chain over the scope.
pub fn sign(secret: &str, day: &str, region: &str, service: &str, string_to_sign: &str) -> String {
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), day.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

/// A request's SigV4 `Authorization` header
/// (`AWS4-HMAC-SHA256 Credential=AKID/DAY/REGION/SERVICE/aws4_request,
/// SignedHeaders=..., Signature=...`, "Create a signed AWS API request",
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
pub struct SigV4<'a> {
    pub akid: &'a str,
    pub day: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

impl<'a> SigV4<'a> {
    pub fn parse(authorization: &'a str) -> Option<SigV4<'a>> {
        let rest = authorization.strip_prefix("AWS4-HMAC-SHA256 ")?;
        let field = |name: &str| {
            rest.split(", ")
                .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
        };
        let [akid, day, region, service, "aws4_request"] =
            field("Credential")?.split('/').collect::<Vec<_>>()[..]
        else {
            return None;
        };
        Some(SigV4 {
            akid,
            day,
            region,
            service,
            signed_headers: field("SignedHeaders")?,
            signature: field("Signature")?,
        })
    }

    /// Whether the signature is the one `secret` makes over this request,
    /// recomputed from the canonical request (method, path, query as sent,
    /// the signed headers' trimmed values, the body's SHA-256); `host` must
    /// be among the signed headers, as the page above requires.
    pub fn matches(
        &self,
        secret: &str,
        method: &str,
        target: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> bool {
        let header = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map_or("", |(_, v)| v.as_str())
        };
        if !self.signed_headers.split(';').any(|h| h == "host") {
            return false;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let canonical_headers: String = self
            .signed_headers
            .split(';')
            .map(|h| {
                let v = header(h).split_whitespace().collect::<Vec<_>>().join(" ");
                format!("{h}:{v}\n")
            })
            .collect();
        let canonical_request = format!(
            "{method}\n{path}\n{query}\n{canonical_headers}\n{}\n{}",
            self.signed_headers,
            hex(&sha256(body))
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{}/{}/{}/aws4_request\n{}",
            header("x-amz-date"),
            self.day,
            self.region,
            self.service,
            hex(&sha256(canonical_request.as_bytes()))
        );
        self.signature == sign(secret, self.day, self.region, self.service, &string_to_sign)
    }
}

/// When a key stops working by its own fields, Unix seconds: X-Amz-Date
/// plus X-Amz-Expires.
pub fn expires_at(token: &str) -> i64 {
    let signed = amz_date(&param(token, "X-Amz-Date").expect("X-Amz-Date"));
    let expires: i64 = param(token, "X-Amz-Expires")
        .expect("X-Amz-Expires")
        .parse()
        .unwrap();
    signed + expires
}

/// Sends `signal` to `child`.
#[cfg(unix)]
pub fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}
