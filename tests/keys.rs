//! `key`: Bedrock long-term API keys against a fake IAM on loopback.
//!
//! moto has no service-specific credentials, so the fake speaks IAM's Query
//! API itself: form POSTs with `Action=` and `Version=2010-05-08`, answers
//! in the XML shapes of the 2010-05-08 model (checked with botocore's own
//! parser below), errors as `<ErrorResponse>` with IAM's codes and HTTP
//! statuses. It keeps the two-keys-per-user limit, expiry and statuses, and
//! recomputes the SigV4 signature of every request from the test
//! credentials, refusing (and recording) any that does not match.
//!
//! The shapes follow AWS's documentation, cited where each is made: a key
//! belongs to any IAM user (`[\w+=,.@-]+`, 1-64 characters), its alias is
//! the user name, `-at-` and the account, and its secret is `ABSK` and the
//! base64 of `ALIAS:SECRET`. Per action, the fake also misbehaves as
//! networks and services do ([`Misbehaviour`]): an answer cut short, a 500
//! or a dropped connection after the change was made, a late answer, an
//! endless body, a page marker that never ends.

mod common;
use common::http;
use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};

const ACCOUNT: &str = "111122223333";
const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// Credentials of an assumed role: not an IAM user.
const ROLE_AKID: &str = "ASIAROLEEXAMPLE00001";
const ROLE_SECRET: &str = "roleSecretKeyEXAMPLEroleSecretKeyEXAMPLE";
const ROLE_TOKEN: &str = "FwoGZXIvYXdzROLESESSIONTOKENEXAMPLE";

#[derive(Debug, Clone)]
struct Cred {
    id: String,
    user: String,
    alias: String,
    secret: String,
    status: &'static str,
    created: i64,
    expires: Option<i64>,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
struct Seen {
    action: String,
    params: Vec<(String, String)>,
    /// The signature matched one recomputed with the test credentials.
    signed: bool,
    /// The region and service of the credential scope.
    scope: String,
}

/// One answer, for botocore's parser.
#[derive(Debug, Clone, serde::Serialize)]
struct Answer {
    action: String,
    status: u16,
    body: String,
}

/// How the fake answers one action, after doing what it asks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Misbehaviour {
    /// An HTTP-valid answer (its Content-Length matches) holding only the
    /// first `n` bytes of the XML.
    Truncate(usize),
    /// The change is made, then a 500 ServiceFailure.
    FailAfterCommit,
    /// The change is made, then the connection closes without an answer.
    DropAfterCommit,
    /// The change is made, the answer comes this many seconds later.
    Delay(u64),
    /// Content-Length 10^10, and bytes for as long as the reader reads.
    EndlessLength,
    /// A chunked body that never ends.
    EndlessChunks,
    /// ListServiceSpecificCredentials: the first page again, marker `1`,
    /// whatever the marker asked for.
    LoopMarker,
    /// ListServiceSpecificCredentials: an empty page and a new marker, for ever.
    EndlessPages,
}

#[derive(Default)]
struct State {
    creds: Vec<Cred>,
    seq: u32,
    /// Actions that fail: (action, HTTP status, code).
    fail: Vec<(String, u16, String)>,
    /// Actions that misbehave, and how many more times.
    misbehave: Vec<(String, Misbehaviour, usize)>,
    seen: Vec<Seen>,
    answers: Vec<Answer>,
}

struct FakeIam {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeIam {
    fn start() -> FakeIam {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let port = http::serve(move |stream, _| serve(stream, &shared));
        FakeIam {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    /// bedrock-token pointed at this fake, as user dev.
    fn run(&self, sb: &Sandbox) -> Run {
        sb.run_static().env("AWS_ENDPOINT_URL_IAM", &self.url)
    }

    /// A key made outside the tool, created `age_days` ago.
    fn seed(
        &self,
        user: &str,
        status: &'static str,
        age_days: i64,
        expires_in_days: Option<i64>,
    ) -> String {
        let mut st = self.state.lock().unwrap();
        let now = unix_now();
        let cred = new_cred(
            &mut st,
            user,
            now - age_days * 86_400,
            expires_in_days.map(|d| now + d * 86_400),
        );
        let id = cred.id.clone();
        st.creds.push(Cred { status, ..cred });
        id
    }

    fn fail(&self, action: &str, status: u16, code: &str) {
        self.state
            .lock()
            .unwrap()
            .fail
            .push((action.into(), status, code.into()));
    }

    /// The next `times` answers to `action` misbehave.
    fn misbehave(&self, action: &str, how: Misbehaviour, times: usize) {
        self.state
            .lock()
            .unwrap()
            .misbehave
            .push((action.into(), how, times));
    }

    fn behave(&self) {
        self.state.lock().unwrap().misbehave.clear();
    }

    /// Forgets a key, as if deleted.
    fn forget(&self, id: &str) {
        self.state.lock().unwrap().creds.retain(|c| c.id != id);
    }

    fn creds(&self) -> Vec<Cred> {
        self.state.lock().unwrap().creds.clone()
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    fn actions(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.action).collect()
    }

    /// Every request so far was signed with the test credentials for IAM in us-east-1.
    #[track_caller]
    fn assert_all_signed(&self) {
        let seen = self.seen();
        assert!(!seen.is_empty());
        for s in &seen {
            assert!(s.signed, "unsigned or badly signed: {s:?}");
            assert_eq!(s.scope, "us-east-1/iam", "{s:?}");
        }
    }

    fn status_of(&self, id: &str) -> Option<&'static str> {
        self.creds().iter().find(|c| c.id == id).map(|c| c.status)
    }
}

/// A key as IAM makes one. Shapes, from the IAM API Reference
/// (ServiceSpecificCredential,
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ServiceSpecificCredential.html>):
/// - `ServiceSpecificCredentialId`: 20 to 128 of `[\w]+`;
/// - `ServiceCredentialAlias`: "the public portion of the credential that
///   includes the IAM user name and a suffix", here `USER-at-ACCOUNT` as in
///   the reference's own example of the generated name,
///   "jane-at-123456789012" (`ServiceUserName`);
/// - `ServiceCredentialSecret`: the key a client sends, `ABSK` and the
///   base64 of `ALIAS:SECRET` (the Bedrock User Guide, "Use an Amazon
///   Bedrock API key", <https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html>,
///   shows long-term keys as `ABSK...`).
fn new_cred(st: &mut State, user: &str, created: i64, expires: Option<i64>) -> Cred {
    use base64::Engine;
    st.seq += 1;
    let n = st.seq;
    let alias = format!("{user}-at-{ACCOUNT}");
    let secret = format!(
        "ABSK{}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{alias}:U0VDUkVUc2VjcmV0LONGTERM{n:04}"))
    );
    Cred {
        id: format!("ACCAFAKEKEY{n:09}"),
        user: user.into(),
        alias,
        secret,
        status: "Active",
        created,
        expires,
    }
}

fn serve(stream: std::net::TcpStream, state: &Mutex<State>) {
    let Some(request) = http::read_request(&stream) else {
        return;
    };
    let params = form(&String::from_utf8_lossy(&request.body));
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let action = get("Action").unwrap_or_default();
    let (caller, scope, signed) = check_signature(
        &request.method,
        &request.target,
        &request.headers,
        &request.body,
    );

    let mut st = state.lock().unwrap();
    st.seen.push(Seen {
        action: action.clone(),
        params: params.clone(),
        signed,
        scope,
    });
    let n = st.seen.len();
    let how = st
        .misbehave
        .iter_mut()
        .find(|(a, _, left)| *a == action && *left > 0)
        .map(|(_, how, left)| {
            *left -= 1;
            *how
        });
    let (status, xml) = if !signed {
        error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    } else if get("Version").as_deref() != Some("2010-05-08") {
        error(400, "InvalidAction", "Could not find operation for version")
    } else if let Some((_, status, code)) = st.fail.iter().find(|(a, ..)| *a == action).cloned() {
        error(status, &code, &format!("{action} fails here ({code})"))
    } else {
        handle(&mut st, &action, &get, caller, how)
    };
    let body = match status {
        200 => format!(
            "<{action}Response xmlns=\"{XMLNS}\">\n{xml}  <ResponseMetadata>\n    <RequestId>7a62c49f-347e-4fc4-9331-{n:012}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n"
        ),
        _ => format!(
            "<ErrorResponse xmlns=\"{XMLNS}\">\n  {xml}\n  <RequestId>7a62c49f-347e-4fc4-9331-{n:012}</RequestId>\n</ErrorResponse>\n"
        ),
    };
    st.answers.push(Answer {
        action: action.clone(),
        status,
        body: body.clone(),
    });
    drop(st);
    let mut stream = stream;
    let head = |status: u16, length: &str| {
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\n{length}x-amzn-RequestId: 7a62c49f-347e-4fc4-9331-{n:012}\r\nConnection: close\r\n\r\n"
        )
    };
    let whole = |stream: &mut std::net::TcpStream, status: u16, body: &str| {
        let _ = write!(
            stream,
            "{}{body}",
            head(status, &format!("Content-Length: {}\r\n", body.len()))
        );
    };
    match how {
        None | Some(Misbehaviour::LoopMarker | Misbehaviour::EndlessPages) => {
            whole(&mut stream, status, &body)
        }
        Some(Misbehaviour::Truncate(at)) => whole(&mut stream, status, &body[..at.min(body.len())]),
        Some(Misbehaviour::FailAfterCommit) => {
            let (status, xml) = error(
                500,
                "ServiceFailure",
                "Request processing has failed due to some unknown error, exception or failure.",
            );
            let body = format!(
                "<ErrorResponse xmlns=\"{XMLNS}\">\n  {xml}\n  <RequestId>7a62c49f-347e-4fc4-9331-{n:012}</RequestId>\n</ErrorResponse>\n"
            );
            whole(&mut stream, status, &body)
        }
        Some(Misbehaviour::DropAfterCommit) => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Some(Misbehaviour::Delay(secs)) => {
            std::thread::sleep(std::time::Duration::from_secs(secs));
            whole(&mut stream, status, &body)
        }
        Some(Misbehaviour::EndlessLength) => {
            let _ = stream.write_all(head(status, "Content-Length: 10000000000\r\n").as_bytes());
            let _ = stream.write_all(body.as_bytes());
            let filler = [b' '; 65536];
            while stream.write_all(&filler).is_ok() {}
        }
        Some(Misbehaviour::EndlessChunks) => {
            let _ = stream.write_all(head(status, "Transfer-Encoding: chunked\r\n").as_bytes());
            let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
            while stream.write_all(chunk.as_bytes()).is_ok() {}
        }
    }
}

/// `a=b&c=d` with `+` and `%XX` decoded.
fn form(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let bytes = s.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && i + 2 < bytes.len()
                && let Ok(b) =
                    u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Recomputes the request's SigV4 signature. Returns the caller's user
/// (`None` for the assumed role), the scope's `region/service`, and whether
/// the signature matched.
fn check_signature(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (Option<&'static str>, String, bool) {
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let Some(sig) = common::SigV4::parse(header("authorization")) else {
        return (None, String::new(), false);
    };
    let scope = format!("{}/{}", sig.region, sig.service);
    let (secret, caller) = match sig.akid {
        AKID => (SECRET, Some("dev")),
        ROLE_AKID if header("x-amz-security-token") == ROLE_TOKEN => (ROLE_SECRET, None),
        _ => return (None, scope, false),
    };
    if (amz_date(header("x-amz-date")) - unix_now()).abs() > 300 {
        return (caller, scope, false);
    }
    let ok = sig.matches(secret, method, target, headers, body);
    (caller, scope, ok)
}

fn error(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        format!(
            "<Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>"
        ),
    )
}

fn iam_date(t: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
    t.format(&time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap()
}

/// The status IAM reports: Expired once past the expiry.
fn reported(c: &Cred, now: i64) -> &'static str {
    if c.expires.is_some_and(|e| e <= now) {
        "Expired"
    } else {
        c.status
    }
}

fn cred_xml(c: &Cred, with_secret: bool, now: i64) -> String {
    let mut x = format!("<CreateDate>{}</CreateDate>\n", iam_date(c.created));
    if let Some(e) = c.expires {
        x.push_str(&format!(
            "<ExpirationDate>{}</ExpirationDate>\n",
            iam_date(e)
        ));
    }
    x.push_str("<ServiceName>bedrock.amazonaws.com</ServiceName>\n");
    x.push_str(&format!(
        "<ServiceCredentialAlias>{}</ServiceCredentialAlias>\n",
        c.alias
    ));
    if with_secret {
        x.push_str(&format!(
            "<ServiceCredentialSecret>{}</ServiceCredentialSecret>\n",
            c.secret
        ));
    }
    x.push_str(&format!(
        "<ServiceSpecificCredentialId>{}</ServiceSpecificCredentialId>\n<UserName>{}</UserName>\n<Status>{}</Status>\n",
        c.id,
        c.user,
        reported(c, now)
    ));
    x
}

/// The account's IAM users. Any name IAM allows may own Bedrock keys
/// (IAM API Reference, User: UserName, `[\w+=,.@-]+`, 1-64 characters,
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_User.html>;
/// the IAM User Guide's "API keys for Amazon Bedrock" starts from "an
/// existing IAM user",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_bedrock.html>),
/// not only the `BedrockAPIKey-xxxx` users the Bedrock console makes.
/// The users the long-term rows run for: plain, with every character IAM
/// allows besides letters, and one the Bedrock console made.
const USERS_WITH_KEYS: [&str; 3] = ["alice", "ci.bot+prod@team", "BedrockAPIKey-ab12"];

const USERS: &[&str] = &[
    "dev",
    "ops",
    "alice",
    "ci.bot+prod@team",
    "BedrockAPIKey-ab12",
];

fn handle(
    st: &mut State,
    action: &str,
    get: &dyn Fn(&str) -> Option<String>,
    caller: Option<&'static str>,
    how: Option<Misbehaviour>,
) -> (u16, String) {
    let now = unix_now();
    let user = match get("UserName") {
        Some(u) => u,
        None => match caller {
            Some(c) => c.to_string(),
            None if action == "ListServiceSpecificCredentials" && get("AllUsers").is_some() => {
                String::new()
            }
            None => {
                return error(
                    400,
                    "ValidationError",
                    "Must specify userName when calling with non-User credentials",
                );
            }
        },
    };
    if !user.is_empty() && !USERS.contains(&user.as_str()) {
        return error(
            404,
            "NoSuchEntity",
            &format!("The user with name {user} cannot be found."),
        );
    }
    let find = |st: &State| {
        let id = get("ServiceSpecificCredentialId").unwrap_or_default();
        st.creds.iter().position(|c| c.id == id && c.user == user)
    };
    let not_found = || {
        error(
            404,
            "NoSuchEntity",
            &format!(
                "No such credential {} for user {user}",
                get("ServiceSpecificCredentialId").unwrap_or_default()
            ),
        )
    };
    match action {
        "GetUser" => (
            200,
            format!(
                "  <GetUserResult>\n    <User>\n      <Path>/</Path>\n      <UserName>{user}</UserName>\n      <UserId>AIDAFAKEUSER{user}</UserId>\n      <Arn>arn:aws:iam::{ACCOUNT}:user/{user}</Arn>\n      <CreateDate>2020-01-01T00:00:00Z</CreateDate>\n    </User>\n  </GetUserResult>\n"
            ),
        ),
        "CreateServiceSpecificCredential" => {
            if get("ServiceName").as_deref() != Some("bedrock.amazonaws.com") {
                return error(
                    400,
                    "NotSupportedService",
                    "The specified service is not supported.",
                );
            }
            let days: Option<i64> = get("CredentialAgeDays").map(|d| d.parse().unwrap_or(0));
            if days.is_some_and(|d| !(1..=36_600).contains(&d)) {
                return error(
                    400,
                    "ValidationError",
                    "CredentialAgeDays must be between 1 and 36600",
                );
            }
            if st.creds.iter().filter(|c| c.user == user).count() >= 2 {
                return error(
                    409,
                    "LimitExceeded",
                    "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
                );
            }
            let cred = new_cred(st, &user, now, days.map(|d| now + d * 86_400));
            let xml = format!(
                "  <CreateServiceSpecificCredentialResult>\n    <ServiceSpecificCredential>\n{}    </ServiceSpecificCredential>\n  </CreateServiceSpecificCredentialResult>\n",
                cred_xml(&cred, true, now)
            );
            st.creds.push(cred);
            (200, xml)
        }
        "ListServiceSpecificCredentials" => {
            let all = get("AllUsers").as_deref() == Some("true");
            let matching: Vec<&Cred> = st.creds.iter().filter(|c| all || c.user == user).collect();
            // One key a page, so every listing follows Marker.
            let mut start: usize = get("Marker").map_or(0, |m| m.parse().unwrap());
            if how == Some(Misbehaviour::LoopMarker) {
                start = 0;
            }
            let page: String = matching
                .iter()
                .skip(start)
                .take(if how == Some(Misbehaviour::EndlessPages) {
                    0
                } else {
                    1
                })
                .map(|c| {
                    format!(
                        "      <member>\n{}      </member>\n",
                        cred_xml(c, false, now)
                    )
                })
                .collect();
            let more = start + 1 < matching.len()
                || matches!(
                    how,
                    Some(Misbehaviour::LoopMarker | Misbehaviour::EndlessPages)
                );
            let next = match how {
                Some(Misbehaviour::EndlessPages) => st.seen.len(),
                _ => start + 1,
            };
            let marker = if more {
                format!("    <Marker>{next}</Marker>\n")
            } else {
                String::new()
            };
            (
                200,
                format!(
                    "  <ListServiceSpecificCredentialsResult>\n    <ServiceSpecificCredentials>\n{page}    </ServiceSpecificCredentials>\n{marker}    <IsTruncated>{more}</IsTruncated>\n  </ListServiceSpecificCredentialsResult>\n"
                ),
            )
        }
        "UpdateServiceSpecificCredential" => {
            let Some(i) = find(st) else {
                return not_found();
            };
            st.creds[i].status = match get("Status").as_deref() {
                Some("Active") => "Active",
                Some("Inactive") => "Inactive",
                _ => return error(400, "ValidationError", "Status must be Active or Inactive"),
            };
            (200, String::new())
        }
        "DeleteServiceSpecificCredential" => {
            let Some(i) = find(st) else {
                return not_found();
            };
            st.creds.remove(i);
            (200, String::new())
        }
        _ => error(
            400,
            "InvalidAction",
            &format!("Could not find operation {action}"),
        ),
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// No long-term secret the fake ever issued appears in `text`.
#[track_caller]
fn assert_no_secret(fake: &FakeIam, text: &str) {
    for c in fake.creds() {
        assert!(!text.contains(&c.secret[4..24]), "a secret in:\n{text}");
    }
    assert!(!text.contains("U0VDUkVU"), "a secret in:\n{text}");
    assert!(!text.contains(SECRET), "the secret access key in:\n{text}");
}

#[test]
fn create_prints_the_key_iam_returned_once_and_list_shows_it_without_it() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let out = fake.run(&sb).args(["key", "create"]).output();
    out.assert_code(0);
    assert_eq!(out.stderr, "");
    let creds = fake.creds();
    assert_eq!(creds.len(), 1);
    assert_eq!(out.stdout, format!("{}\n", creds[0].secret));
    assert_eq!(creds[0].user, "dev");
    // Default: 30 days.
    let created = &fake.seen()[1];
    assert_eq!(created.action, "CreateServiceSpecificCredential");
    assert!(
        created
            .params
            .contains(&("CredentialAgeDays".into(), "30".into()))
    );
    assert!(
        created
            .params
            .contains(&("ServiceName".into(), "bedrock.amazonaws.com".into()))
    );
    assert_eq!(fake.actions()[0], "GetUser");

    // JSON, for another user, for ever: a warning that it must be rotated by hand.
    let out = fake
        .run(&sb)
        .args([
            "key",
            "create",
            "--user",
            "ops",
            "--expires",
            "never",
            "--format",
            "json",
        ])
        .output();
    out.assert_code(0)
        .assert_stderr_mentions(&["warning: a key that never expires", "rotate it by hand"]);
    assert_no_secret(&fake, &out.stderr);
    let doc = json(&out.stdout);
    let ops = fake.creds()[1].clone();
    let order = ["id", "user", "alias", "status", "created", "expires", "key"]
        .map(|f| out.stdout.find(&format!("\"{f}\":")).unwrap());
    assert!(order.is_sorted(), "{}", out.stdout);
    assert_eq!(doc.as_object().unwrap().len(), 7);
    assert_eq!(doc["id"], ops.id);
    assert_eq!(doc["user"], "ops");
    assert_eq!(doc["alias"], ops.alias);
    assert_eq!(doc["status"], "Active");
    assert_eq!(doc["expires"], serde_json::Value::Null);
    assert_eq!(doc["key"], ops.secret);
    assert_eq!(doc["created"], iam_date(ops.created));
    assert!(
        !fake
            .seen()
            .last()
            .unwrap()
            .params
            .iter()
            .any(|(k, _)| k == "CredentialAgeDays")
    );

    // `30d` is 30 days; out of range is a usage error before any request.
    let before = fake.seen().len();
    for bad in ["0", "36601", "3w"] {
        fake.run(&sb)
            .args(["key", "create", "--expires", bad])
            .output()
            .assert_fails(2, &["--expires"]);
    }
    assert_eq!(fake.seen().len(), before);

    // list: both users' keys with --all-users, never a secret.
    let out = fake.run(&sb).args(["key", "list", "--all-users"]).output();
    out.assert_code(0);
    assert_eq!(out.stderr, "");
    assert_no_secret(&fake, &out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines[0].starts_with("ID "), "{}", lines[0]);
    assert!(
        lines[1].starts_with(&creds[0].id)
            && lines[1].contains(" dev ")
            && lines[1].contains(" Active "),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with("  30"), "{}", lines[1]);
    assert!(
        lines[2].contains(" ops ") && lines[2].contains(" never ") && lines[2].ends_with('-'),
        "{}",
        lines[2]
    );
    let last = fake.seen().last().unwrap().clone();
    assert!(last.params.contains(&("AllUsers".into(), "true".into())));

    // The caller's own, as JSON, following IAM's pages (one key a page).
    fake.seed("dev", "Inactive", 40, Some(3));
    let out = fake.run(&sb).args(["key", "list", "--format", "json"]).ok();
    assert_no_secret(&fake, &out);
    let doc = json(&out);
    let keys = doc.as_array().unwrap();
    assert_eq!(keys.len(), 2, "{out}");
    assert!(
        keys.iter()
            .all(|k| k["user"] == "dev" && k.get("key").is_none())
    );
    // Oldest first; the seeded key expires in 3 days but is not active.
    assert_eq!(keys[0]["status"], "Inactive");
    assert_eq!(keys[0]["days_left"], 3);
    assert_eq!(keys[1]["days_left"], 30);
    let markers = fake
        .seen()
        .iter()
        .filter(|s| s.params.iter().any(|(k, v)| k == "Marker" && v == "1"))
        .count();
    assert!(markers >= 1, "Marker followed");
    fake.assert_all_signed();
}

#[test]
fn a_key_near_expiry_is_flagged_and_an_expired_one_says_so() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let soon = fake.seed("dev", "Active", 25, Some(5));
    let gone = fake.seed("dev", "Active", 40, Some(-10));
    let out = fake.run(&sb).args(["key", "list"]).ok();
    let line = |id: &str| out.lines().find(|l| l.starts_with(id)).unwrap().to_string();
    assert!(
        line(&soon).ends_with("5  expires soon: bedrock-token key rotate"),
        "{out}"
    );
    assert!(line(&gone).contains(" Expired "), "{out}");
    assert!(line(&gone).ends_with(" 0"), "{out}");
    let doc = json(&fake.run(&sb).args(["key", "list", "--format", "json"]).ok());
    assert_eq!(doc[0]["status"], "Expired");
    assert_eq!(doc[0]["expiring_soon"], false);
    assert_eq!(doc[1]["expiring_soon"], true);
}

#[test]
fn write_puts_the_key_in_a_0600_file_and_prints_the_rest() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let path = sb.path("bedrock.key");
    let out = fake
        .run(&sb)
        .args(["key", "create", "--format", "json", "--write"])
        .arg(&path)
        .ok();
    let cred = fake.creds()[0].clone();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), cred.secret);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_no_secret(&fake, &out);
    let doc = json(&out);
    assert_eq!(doc["id"], cred.id);
    assert!(doc.get("key").is_none());

    let out = fake
        .run(&sb)
        .args(["key", "create", "--user", "ops", "--write"])
        .arg(sb.path("ops.key"))
        .ok();
    assert_no_secret(&fake, &out);
    assert!(
        out.starts_with(&format!(
            "created key {} for user ops (expires ",
            fake.creds()[1].id
        )),
        "{out}"
    );

    // A destination that cannot take it fails before a key exists.
    std::fs::create_dir(sb.path("dir")).unwrap();
    for bad in ["dir", "missing/dir/key"] {
        fake.run(&sb)
            .args(["key", "create", "--write"])
            .arg(sb.path(bad))
            .output()
            .assert_fails(2, &[bad]);
    }
    assert_eq!(fake.creds().len(), 2);
}

#[test]
fn rotate_replaces_the_active_key_and_keeps_it_for_rollback() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let old = fake.seed("dev", "Active", 20, Some(10));
    let path = sb.path("key");
    let out = fake
        .run(&sb)
        .args(["key", "rotate", "--write"])
        .arg(&path)
        .output();
    out.assert_code(0);
    assert_no_secret(&fake, &out.stderr);
    let new = fake.creds().into_iter().find(|c| c.id != old).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new.secret);
    assert_eq!(fake.status_of(&old), Some("Inactive"));
    assert_eq!(new.status, "Active");
    // Each step on stderr, in order.
    let steps: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(steps.len(), 3, "{}", out.stderr);
    assert!(steps[0].starts_with(&format!(
        "bedrock-token: note: created key {} for user dev (expires ",
        new.id
    )));
    assert_eq!(
        steps[1],
        format!(
            "bedrock-token: note: wrote the new key to {}",
            path.display()
        )
    );
    assert!(steps[2].starts_with(&format!(
        "bedrock-token: note: deactivated the previous key {old} (kept for rollback"
    )));
    // Written before the old key was touched.
    let actions = fake.actions();
    let create = actions
        .iter()
        .position(|a| a == "CreateServiceSpecificCredential")
        .unwrap();
    let update = actions
        .iter()
        .position(|a| a == "UpdateServiceSpecificCredential")
        .unwrap();
    assert!(create < update);

    // The next rotate deletes the inactive one, then does the same again;
    // printed this time.
    let out = fake
        .run(&sb)
        .args(["key", "rotate", "--format", "json"])
        .output();
    out.assert_code(0)
        .assert_stderr_mentions(&[&format!("deleted Inactive key {old} of user dev")]);
    assert_no_secret(&fake, &out.stderr);
    let doc = json(&out.stdout);
    let newest = fake
        .creds()
        .into_iter()
        .find(|c| c.id == doc["id"])
        .unwrap();
    assert_eq!(doc["key"], newest.secret);
    assert_eq!(fake.status_of(&old), None);
    assert_eq!(fake.status_of(&new.id), Some("Inactive"));
    assert_eq!(fake.creds().len(), 2);
    fake.assert_all_signed();
}

#[test]
fn rotate_deletes_an_expired_key_first_oldest_first() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let expired = fake.seed("dev", "Active", 400, Some(-35));
    let active = fake.seed("dev", "Active", 10, Some(20));
    let out = fake.run(&sb).args(["key", "rotate"]).output();
    out.assert_code(0).assert_stderr_mentions(&[
        &format!("deleted Expired key {expired} of user dev"),
        &format!("deactivated the previous key {active}"),
    ]);
    assert_eq!(fake.status_of(&expired), None);
    assert_eq!(fake.status_of(&active), Some("Inactive"));
    let new = fake.creds().into_iter().find(|c| c.id != active).unwrap();
    assert_eq!(out.stdout, format!("{}\n", new.secret));
    assert_no_secret(&fake, &out.stderr);

    // With no key at all, rotate is create.
    let out = fake
        .run(&sb)
        .args(["key", "rotate", "--user", "ops"])
        .output();
    out.assert_code(0);
    assert_eq!(fake.creds().iter().filter(|c| c.user == "ops").count(), 1);
}

#[test]
fn rotate_refuses_two_active_keys_and_changes_nothing() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let a = fake.seed("dev", "Active", 20, Some(10));
    let b = fake.seed("dev", "Active", 5, None);
    let before = fake.creds();
    let out = fake.run(&sb).args(["key", "rotate"]).output();
    out.assert_fails(1, &[
        &format!("bedrock-token: error: user dev already has two active Bedrock keys, {a} and {b}"),
        "nothing was changed",
        &format!("bedrock-token: deactivate the one no longer in use (bedrock-token key deactivate {a} --user dev), then run bedrock-token key rotate --user dev again"),
    ]);
    assert_eq!(fake.creds().len(), before.len());
    assert!(fake.creds().iter().all(|c| c.status == "Active"));
    assert!(
        fake.actions()
            .iter()
            .all(|a| a == "GetUser" || a == "ListServiceSpecificCredentials")
    );
}

#[test]
fn a_failure_after_creation_keeps_the_new_key_and_names_the_old_one() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let old = fake.seed("dev", "Active", 20, Some(10));
    fake.fail("UpdateServiceSpecificCredential", 403, "AccessDenied");
    let out = fake.run(&sb).args(["key", "rotate"]).output();
    out.assert_code(1);
    let new = fake.creds().into_iter().find(|c| c.id != old).unwrap();
    // The key was delivered before the failure.
    assert_eq!(out.stdout, format!("{}\n", new.secret));
    out.assert_stderr_mentions(&[
        "bedrock-token: error: IAM refused UpdateServiceSpecificCredential for user dev: UpdateServiceSpecificCredential fails here (AccessDenied) (AccessDenied, request id 7a62c49f-",
        &format!("; the previous key {old} is still active"),
        "bedrock-token: profile default needs iam:UpdateServiceSpecificCredential on the IAM user dev",
        &format!("then deactivate the old key: bedrock-token key deactivate {old} --user dev"),
    ]);
    assert_no_secret(&fake, &out.stderr);
    assert_eq!(fake.status_of(&old), Some("Active"));
}

#[test]
fn rotate_verify_asks_bedrock_before_deactivating() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    // A Bedrock that takes any long-term key the fake IAM issued, and none other.
    let state = fake.state.clone();
    let bedrock = bedrock_for(state, 0);
    // Ordinary IAM users' keys pass, as the console's kind does.
    for user in USERS_WITH_KEYS {
        let old = fake.seed(user, "Active", 20, Some(10));
        let out = fake
            .run(&sb)
            .env("AWS_ENDPOINT_URL_BEDROCK", &bedrock)
            .args(["key", "rotate", "--verify", "--user", user])
            .output();
        out.assert_code(0).assert_stderr_mentions(&[
            "verified the new key",
            "valid: Bedrock accepted the long-term key in us-east-1",
        ]);
        assert_eq!(fake.status_of(&old), Some("Inactive"));
        assert_no_secret(&fake, &out.stderr);
    }
    fake.seed("dev", "Active", 20, Some(10));

    // Bedrock refuses it: the old key stays active.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let before = fake
        .creds()
        .into_iter()
        .find(|c| c.status == "Active" && c.user == "dev")
        .unwrap()
        .id;
    let out = fake
        .run(&sb)
        .env("AWS_ENDPOINT_URL_BEDROCK", &closed)
        .args(["key", "rotate", "--verify"])
        .output();
    out.assert_code(1).assert_stderr_mentions(&[
        "did not pass verification: unreachable: no answer from",
        &format!("; the previous key {before} is still active"),
    ]);
    assert_eq!(fake.status_of(&before), Some("Active"));
    assert_no_secret(&fake, &out.stderr);
}

#[test]
fn rotate_verify_waits_for_iam_to_reach_bedrock_and_says_so() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    // IAM is eventually consistent ("changes that you make in IAM take time
    // to become visible", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency):
    // Bedrock refuses the new key twice, then takes it.
    let bedrock = bedrock_for(fake.state.clone(), 2);
    let old = fake.seed("dev", "Active", 20, Some(10));
    let out = fake
        .run(&sb)
        .env("AWS_ENDPOINT_URL_BEDROCK", &bedrock)
        .args(["key", "rotate", "--verify"])
        .output();
    out.assert_code(0).assert_stderr_mentions(&[
        "yet (IAM's changes take seconds to reach it); asking again in 2s",
        "asking again in 3s",
        "verified the new key",
    ]);
    assert_eq!(fake.status_of(&old), Some("Inactive"));
    assert_no_secret(&fake, &out.stderr);

    // Refused three times: the new key stays, the old one too, and the
    // error says what to check.
    let bedrock = bedrock_for(fake.state.clone(), 3);
    let before = fake.seed("alice", "Active", 20, Some(10));
    let out = fake
        .run(&sb)
        .env("AWS_ENDPOINT_URL_BEDROCK", &bedrock)
        .args(["key", "rotate", "--verify", "--user", "alice"])
        .output();
    out.assert_code(1).assert_stderr_mentions(&[
        "asking again in 3s",
        "did not pass verification: rejected",
        &format!("; the previous key {before} is still active"),
    ]);
    assert_eq!(fake.status_of(&before), Some("Active"));
    assert_no_secret(&fake, &out.stderr);
}

/// A minimal Bedrock: `GET /foundation-models` answers 200 for a bearer key
/// the fake IAM issued and holds Active, else 403; the first `lag` answers
/// are 403 whatever the key (a key that has not reached Bedrock yet).
fn bedrock_for(state: Arc<Mutex<State>>, lag: usize) -> String {
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let port = http::serve(move |mut stream, _| {
        let Some(request) = http::read_request(&stream) else {
            return;
        };
        let auth = request.header("authorization").unwrap_or("");
        let early = asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < lag;
        let ok = !early
            && state
                .lock()
                .unwrap()
                .creds
                .iter()
                .any(|c| c.status == "Active" && auth == format!("Bearer {}", c.secret));
        let (status, body) = if ok {
            (200, r#"{"modelSummaries":[]}"#)
        } else {
            (
                403,
                r#"{"message":"Authentication failed: Please make sure your API Key is valid."}"#,
            )
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn activate_deactivate_and_delete() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let id = fake.seed("dev", "Active", 1, Some(29));
    assert_eq!(
        fake.run(&sb).args(["key", "deactivate", &id]).ok(),
        format!("key {id} of user dev is now Inactive\n")
    );
    assert_eq!(fake.status_of(&id), Some("Inactive"));
    assert_eq!(
        fake.run(&sb)
            .args(["key", "activate", &id, "--user", "dev"])
            .ok(),
        format!("key {id} of user dev is now Active\n")
    );
    assert_eq!(fake.status_of(&id), Some("Active"));

    // delete without a terminal needs --yes, and asks IAM nothing.
    let before = fake.seen().len();
    fake.run(&sb)
        .args(["key", "delete", &id])
        .output()
        .assert_fails(2, &["pass --yes"]);
    assert_eq!(fake.seen().len(), before);
    assert_eq!(
        fake.run(&sb).args(["key", "delete", &id, "--yes"]).ok(),
        format!("deleted key {id} of user dev\n")
    );
    assert_eq!(fake.status_of(&id), None);

    // An unknown key: IAM's NoSuchEntity, one line and the next step.
    let out = fake.run(&sb).args(["key", "delete", &id, "--yes"]).output();
    out.assert_fails(1, &[
        &format!("bedrock-token: error: IAM refused DeleteServiceSpecificCredential for user dev: No such credential {id} for user dev (NoSuchEntity, request id "),
        "bedrock-token: check the user name and the key id: bedrock-token key list --user dev",
    ]);
    assert_eq!(out.stderr.lines().count(), 2, "{}", out.stderr);
    fake.assert_all_signed();
}

#[test]
fn iam_errors_are_one_line_and_the_next_step() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    fake.seed("dev", "Active", 1, Some(29));
    fake.seed("dev", "Inactive", 2, Some(28));
    let out = fake.run(&sb).args(["key", "create"]).output();
    out.assert_fails(1, &[
        "bedrock-token: error: IAM refused CreateServiceSpecificCredential for user dev: Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2 (LimitExceeded, request id ",
        "bedrock-token: an IAM user holds at most two Bedrock API keys: see them with bedrock-token key list --user dev",
    ]);
    assert_eq!(out.stderr.lines().count(), 2, "{}", out.stderr);

    let out = fake
        .run(&sb)
        .args(["key", "list", "--user", "nobody"])
        .output();
    out.assert_fails(
        1,
        &["The user with name nobody cannot be found. (NoSuchEntity"],
    );

    fake.fail("ListServiceSpecificCredentials", 403, "AccessDenied");
    fake.run(&sb).args(["key", "list"]).output().assert_fails(
        1,
        &[
            "(AccessDenied, request id",
            "profile default needs iam:ListServiceSpecificCredentials on the IAM user dev",
        ],
    );

    fake.fail("DeleteServiceSpecificCredential", 400, "Throttling");
    fake.run(&sb)
        .args(["key", "delete", "ACCAX", "--yes"])
        .output()
        .assert_fails(
            1,
            &[
                "(Throttling, request id",
                "bedrock-token: IAM is limiting requests: wait a minute and try again",
            ],
        );

    // Nothing answering at all.
    sb.run_static()
        .env(
            "AWS_ENDPOINT_URL_IAM",
            format!("http://127.0.0.1:{}", free_port()),
        )
        .args(["key", "list", "--user", "dev"])
        .output()
        .assert_fails(
            1,
            &[
                "could not reach IAM at http://127.0.0.1:",
                "check network access to IAM",
            ],
        );
}

#[test]
fn a_caller_that_is_not_an_iam_user_is_told_to_pass_user() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let role = |run: Run| {
        run.env("AWS_ACCESS_KEY_ID", ROLE_AKID)
            .env("AWS_SECRET_ACCESS_KEY", ROLE_SECRET)
            .env("AWS_SESSION_TOKEN", ROLE_TOKEN)
    };
    role(fake.run(&sb))
        .args(["key", "create"])
        .output()
        .assert_fails(1, &[
            "bedrock-token: error: the credentials of profile default are not an IAM user's (an assumed role or an SSO session)",
            "bedrock-token: pass --user NAME",
        ]);
    assert!(fake.creds().is_empty());
    // With --user, the role manages that user's keys.
    let out = role(fake.run(&sb))
        .args(["key", "create", "--user", "ops"])
        .output();
    out.assert_code(0);
    assert_eq!(out.stdout.trim(), fake.creds()[0].secret);
    fake.assert_all_signed();
}

#[test]
fn iam_is_signed_for_us_east_1_whatever_the_region_and_the_shared_endpoint_works() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    sb.run_static()
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ENDPOINT_URL", &fake.url)
        .args(["key", "list"])
        .ok();
    fake.assert_all_signed();
}

/// botocore (the test venv's Python) runs on the host, not under wine.
#[cfg(unix)]
#[test]
fn the_fake_answers_in_shapes_botocore_parses() {
    let Some(python) = tool("python") else { return };
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    fake.seed("dev", "Inactive", 3, Some(27));
    let key = fake.run(&sb).args(["key", "create"]).ok();
    fake.run(&sb).args(["key", "list"]).ok();
    let id = fake.creds()[0].id.clone();
    fake.run(&sb).args(["key", "deactivate", &id]).ok();
    fake.run(&sb).args(["key", "delete", &id, "--yes"]).ok();
    fake.seed("dev", "Active", 1, None);
    fake.run(&sb)
        .args(["key", "create"])
        .output()
        .assert_code(1);
    let answers = fake.state.lock().unwrap().answers.clone();
    let file = sb.write("answers.json", &serde_json::to_string(&answers).unwrap());
    let script = r#"
import json, sys
import botocore.session
from botocore.parsers import QueryParser
model = botocore.session.get_session().get_service_model('iam')
out = []
for a in json.load(open(sys.argv[1])):
    op = model.operation_model(a['action'])
    parsed = QueryParser().parse(
        {'body': a['body'].encode(), 'headers': {}, 'status_code': a['status']},
        op.output_shape)
    out.append({'action': a['action'], 'parsed': parsed})
print(json.dumps(out, default=str))
"#;
    let out = sb.command(&python).args(["-c", script]).arg(&file).output();
    out.assert_code(0);
    let parsed = json(&out.stdout);
    let of = |action: &str| -> Vec<serde_json::Value> {
        parsed
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["action"] == action)
            .map(|p| p["parsed"].clone())
            .collect()
    };
    let user = &of("GetUser")[0]["User"];
    assert_eq!(user["UserName"], "dev");
    assert_eq!(user["Arn"], format!("arn:aws:iam::{ACCOUNT}:user/dev"));

    let created = &of("CreateServiceSpecificCredential")[0];
    let c = &created["ServiceSpecificCredential"];
    assert_eq!(c["ServiceCredentialSecret"], key.trim());
    assert_eq!(c["ServiceName"], "bedrock.amazonaws.com");
    assert_eq!(c["UserName"], "dev");
    assert_eq!(c["Status"], "Active");
    assert_eq!(c["ServiceCredentialAlias"], format!("dev-at-{ACCOUNT}"));
    assert!(
        c["ServiceSpecificCredentialId"]
            .as_str()
            .unwrap()
            .starts_with("ACCA")
    );
    assert!(c["CreateDate"].is_string() && c["ExpirationDate"].is_string());
    assert!(created["ResponseMetadata"]["RequestId"].is_string());

    let lists = of("ListServiceSpecificCredentials");
    assert_eq!(lists[0]["IsTruncated"], true);
    assert_eq!(lists[0]["Marker"], "1");
    assert_eq!(
        lists[0]["ServiceSpecificCredentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        lists[0]["ServiceSpecificCredentials"][0]["Status"],
        "Inactive"
    );
    assert!(
        lists[0]["ServiceSpecificCredentials"][0]
            .get("ServiceCredentialSecret")
            .is_none()
    );
    assert_eq!(lists.last().unwrap()["IsTruncated"], false);

    for action in [
        "UpdateServiceSpecificCredential",
        "DeleteServiceSpecificCredential",
    ] {
        assert!(
            of(action)[0]["ResponseMetadata"]["RequestId"].is_string(),
            "{action}"
        );
    }
    let refused = of("CreateServiceSpecificCredential").pop().unwrap();
    assert_eq!(refused["Error"]["Code"], "LimitExceeded");
    assert_eq!(refused["Error"]["Type"], "Sender");
    assert!(refused["ResponseMetadata"]["RequestId"].is_string());
}

#[test]
fn inspect_and_doctor_recognise_a_long_term_key_and_never_show_its_secret() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    // Keys of ordinary IAM users, not only of the console's BedrockAPIKey-xxxx ones.
    for user in USERS_WITH_KEYS {
        let key = fake.run(&sb).args(["key", "create", "--user", user]).ok();
        let out = sb.run().args(["inspect", "-"]).stdin(key.clone()).ok();
        assert_eq!(
            out,
            format!(
                "kind:           long-term\nalias:          {user}-at-{ACCOUNT}\nuser:           {user}\naccount:        {ACCOUNT}\nexpires at:     not in the key: bedrock-token key list shows it\n"
            )
        );
        let doc = json(
            &sb.run()
                .args(["inspect", "-", "--format", "json"])
                .stdin(key.clone())
                .ok(),
        );
        assert_eq!(
            doc,
            serde_json::json!({"kind": "long-term", "alias": format!("{user}-at-{ACCOUNT}"), "user": user, "account": ACCOUNT})
        );

        // doctor says which key AWS_BEARER_TOKEN_BEDROCK holds: it wins over everything.
        let out = sb
            .run_static()
            .env("AWS_BEARER_TOKEN_BEDROCK", key.trim())
            .arg("doctor")
            .output();
        out.assert_code(0);
        assert!(out.stdout.contains(&format!(
            "ok       AWS_BEARER_TOKEN_BEDROCK is set: the AWS SDKs use it before any other credential; it holds a long-term key of {user} in account {ACCOUNT}"
        )), "{}", out.stdout);
        assert_no_secret(&fake, &out.stdout);
        assert_no_secret(&fake, &out.stderr);
    }

    // An alias in a layout the docs leave open: shown, not refused.
    use base64::Engine;
    let odd = format!(
        "ABSK{}",
        base64::engine::general_purpose::STANDARD.encode("alice-at-111122223333-v2:U0VDUkVUb2Rk")
    );
    let out = sb.run().args(["inspect", "-"]).stdin(odd.clone()).output();
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "kind:           long-term\nalias:          alice-at-111122223333-v2\nlayout:         not the USER-at-ACCOUNT layout bedrock-token knows; Bedrock judges the key: bedrock-token verify -\nexpires at:     not in the key: bedrock-token key list shows it\n"
    );
    assert!(!out.stdout.contains("U0VDUkVU") && !out.stderr.contains("U0VDUkVU"));

    let short = sb.run_static().ok();
    let out = sb
        .run_static()
        .env("AWS_BEARER_TOKEN_BEDROCK", short.trim())
        .arg("doctor")
        .ok();
    assert!(
        out.contains("it holds a short-term key for us-east-1 that expires at "),
        "{out}"
    );
    assert!(!out.contains(&short.trim()[16..60]), "{out}");

    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let old = vectors["vectors"][0]["token"].as_str().unwrap();
    let out = sb
        .run_static()
        .env("AWS_BEARER_TOKEN_BEDROCK", old)
        .arg("doctor")
        .output();
    out.assert_code(1);
    assert!(out.stdout.contains(
        "PROBLEM  AWS_BEARER_TOKEN_BEDROCK is set: the AWS SDKs use it before any other credential, and it holds a short-term key for us-east-1 that expired at 2025-01-01T12:00:00Z; fix: unset AWS_BEARER_TOKEN_BEDROCK"
    ), "{}", out.stdout);

    // Without it, doctor says nothing about it.
    assert!(
        !sb.run_static()
            .arg("doctor")
            .ok()
            .contains("AWS_BEARER_TOKEN_BEDROCK")
    );
}

#[test]
fn setup_shows_how_to_hand_over_a_long_term_key_without_a_shell_history() {
    let sb = Sandbox::new();
    let out = sb
        .run_static()
        .args(["--profile", "default", "setup", "long-term-key"])
        .ok();
    for needle in [
        "key create --expires 30 --write ~/.config/bedrock-token/bedrock.key",
        "\"apiKey\": \"{file:~/.config/bedrock-token/bedrock.key}\"",
        "sh -c 'AWS_BEARER_TOKEN_BEDROCK=$(cat ~/.config/bedrock-token/bedrock.key) exec claude'",
        "key rotate --expires 30 --write ~/.config/bedrock-token/bedrock.key",
    ] {
        assert!(out.contains(needle), "{needle} in\n{out}");
    }
}

/// `run` with stdout redirected by the shell (`>&-`, `1</dev/null`):
/// stdio a test harness cannot set up otherwise.
#[cfg(unix)]
fn with_stdout(run: Run, redirect: &str) -> Out {
    let started = std::time::Instant::now();
    let mut sh = std::process::Command::new("/bin/sh");
    sh.arg("-c")
        .arg(format!("exec \"$@\" {redirect}"))
        .arg("sh")
        .arg(run.cmd.get_program())
        .args(run.cmd.get_args());
    for (k, v) in run.cmd.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    if let Some(dir) = run.cmd.get_current_dir() {
        sh.current_dir(dir);
    }
    let out = sh
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    Out::from(out, started.elapsed())
}

/// The temp files in `dir` (atomic writes, probes): none may outlive a run.
fn temps(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn creates(fake: &FakeIam) -> usize {
    fake.actions()
        .iter()
        .filter(|a| *a == "CreateServiceSpecificCredential")
        .count()
}

#[test]
fn a_create_answer_cut_short_delivers_nothing_and_names_the_key_iam_made() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let path = sb.path("alice.key");
    // Cut at many points of the XML, the secret's element included.
    let whole = {
        let out = fake
            .run(&sb)
            .args(["key", "create", "--user", "alice"])
            .ok();
        let id = fake.creds()[0].id.clone();
        fake.forget(&id);
        let answers = fake.state.lock().unwrap().answers.clone();
        assert!(out.starts_with("ABSK"));
        answers.last().unwrap().body.len()
    };
    for cut in [
        whole / 4,
        whole / 2,
        whole * 3 / 5,
        whole * 7 / 10,
        whole * 4 / 5,
        whole - 40,
        whole - 3,
    ] {
        for write in [false, true] {
            fake.misbehave(
                "CreateServiceSpecificCredential",
                Misbehaviour::Truncate(cut),
                1,
            );
            let mut run = fake.run(&sb).args(["key", "create", "--user", "alice"]);
            if write {
                run = run.arg("--write").arg(&path);
            }
            let out = run.output();
            let made = fake.creds();
            assert_eq!(made.len(), 1, "cut {cut}");
            let id = &made[0].id;
            out.assert_fails(
                1,
                &[
                    &format!("IAM created {id} (created "),
                    "for user alice all the same, but its secret never reached us",
                    &format!("bedrock-token key delete {id} --user alice --yes"),
                ],
            );
            assert_eq!(out.stdout, "", "cut {cut}: a fragment on stdout");
            assert!(!path.exists(), "cut {cut}: a fragment in the file");
            assert_no_secret(&fake, &out.stderr);
            assert!(temps(&sb.path("")).is_empty());
            fake.forget(id);
        }
    }
}

#[test]
fn a_create_whose_answer_is_lost_is_sent_once_and_its_key_named() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    for (how, said) in [
        (
            Misbehaviour::FailAfterCommit,
            "IAM refused CreateServiceSpecificCredential for user ci.bot+prod@team: Request processing has failed",
        ),
        (
            Misbehaviour::DropAfterCommit,
            "could not reach IAM at http://127.0.0.1:",
        ),
    ] {
        let before = creates(&fake);
        fake.misbehave("CreateServiceSpecificCredential", how, 1);
        let out = fake
            .run(&sb)
            .args(["key", "create", "--user", "ci.bot+prod@team"])
            .output();
        // Sent once: the SDK's retry would have made a second key.
        assert_eq!(creates(&fake), before + 1, "{how:?}");
        let made = fake.creds();
        assert_eq!(made.len(), 1, "{how:?}");
        let id = &made[0].id;
        out.assert_fails(
            1,
            &[
                said,
                &format!("IAM created {id} (created "),
                &format!("bedrock-token key delete {id} --user ci.bot+prod@team --yes"),
            ],
        );
        assert_eq!(out.stdout, "");
        assert_no_secret(&fake, &out.stderr);
        fake.forget(id);
    }

    // Refused for sure (4xx): nothing was made, and the error says so.
    fake.fail("CreateServiceSpecificCredential", 403, "AccessDenied");
    let out = fake
        .run(&sb)
        .args(["key", "create", "--user", "alice"])
        .output();
    out.assert_fails(1, &["(AccessDenied, request id"]);
    assert!(!out.stderr.contains("all the same"), "{}", out.stderr);
    assert!(fake.creds().is_empty());
}

#[test]
fn rotate_after_a_lost_create_names_the_orphan_and_keeps_the_old_key() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let path = sb.path("key");
    let old = fake.seed("BedrockAPIKey-ab12", "Active", 20, Some(10));
    let old_secret = fake.creds()[0].secret.clone();
    std::fs::write(&path, &old_secret).unwrap();
    for how in [
        Misbehaviour::Truncate(500),
        Misbehaviour::FailAfterCommit,
        Misbehaviour::DropAfterCommit,
    ] {
        fake.misbehave("CreateServiceSpecificCredential", how, 1);
        let out = fake
            .run(&sb)
            .args(["key", "rotate", "--user", "BedrockAPIKey-ab12", "--write"])
            .arg(&path)
            .output();
        let orphan = fake.creds().into_iter().find(|c| c.id != old).unwrap();
        out.assert_fails(
            1,
            &[
                &format!("IAM created {} (created ", orphan.id),
                &format!(
                    "bedrock-token key delete {} --user BedrockAPIKey-ab12 --yes",
                    orphan.id
                ),
            ],
        );
        // The file still holds the working key, the old key is untouched.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            old_secret,
            "{how:?}"
        );
        assert!(!sb.path("key.previous").exists());
        assert_eq!(fake.status_of(&old), Some("Active"));
        assert!(
            !fake
                .actions()
                .contains(&"UpdateServiceSpecificCredential".to_string())
        );
        assert_no_secret(&fake, &out.stderr);
        assert!(temps(&sb.path("")).is_empty());
        fake.forget(&orphan.id);
    }
}

#[test]
fn rotate_write_keeps_the_current_key_until_the_old_one_is_deactivated() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let path = sb.path("alice.key");
    let previous = sb.path("alice.key.previous");
    let old = fake.seed("alice", "Active", 20, Some(10));
    let old_secret = fake.creds()[0].secret.clone();
    std::fs::write(&path, &old_secret).unwrap();

    // Deactivation refused: the new key in F, the old one still active and
    // its secret kept in F.previous (0600), as the error says.
    fake.fail("UpdateServiceSpecificCredential", 403, "AccessDenied");
    let out = fake
        .run(&sb)
        .args(["key", "rotate", "--user", "alice", "--write"])
        .arg(&path)
        .output();
    let new = fake.creds().into_iter().find(|c| c.id != old).unwrap();
    out.assert_code(1).assert_stderr_mentions(&[&format!(
        "; the previous key {old} is still active (its secret is in {}, until it is deactivated)",
        previous.display()
    )]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), new.secret);
    assert_eq!(std::fs::read_to_string(&previous).unwrap(), old_secret);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&previous).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(fake.status_of(&old), Some("Active"));
    assert_no_secret(&fake, &out.stderr);

    // Once the old key is inactive, F.previous goes.
    fake.state.lock().unwrap().fail.clear();
    fake.state.lock().unwrap().creds.retain(|c| c.id != old);
    let out = fake
        .run(&sb)
        .args(["key", "rotate", "--user", "alice", "--write"])
        .arg(&path)
        .output();
    out.assert_code(0).assert_stderr_mentions(&[
        &format!("deactivated the previous key {}", new.id),
        &format!(
            "removed {}: the key it held is inactive now",
            previous.display()
        ),
    ]);
    let newest = fake
        .creds()
        .into_iter()
        .find(|c| c.status == "Active")
        .unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), newest.secret);
    assert!(!previous.exists());
    assert_eq!(fake.status_of(&new.id), Some("Inactive"));
    assert!(temps(&sb.path("")).is_empty());
}

#[test]
fn a_deactivate_whose_answer_is_lost_reports_what_iam_holds() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    for how in [Misbehaviour::DropAfterCommit, Misbehaviour::FailAfterCommit] {
        fake.state.lock().unwrap().creds.clear();
        let old = fake.seed("alice", "Active", 20, Some(10));
        // Every attempt: the SDK retries an update, which is safe.
        fake.misbehave("UpdateServiceSpecificCredential", how, 5);
        let out = fake
            .run(&sb)
            .args(["key", "rotate", "--user", "alice"])
            .output();
        // IAM applied it: the old key is inactive, and that is what is said.
        out.assert_code(0).assert_stderr_mentions(&[
            &format!("but IAM shows key {old} inactive"),
            &format!("deactivated the previous key {old}"),
        ]);
        assert!(!out.stderr.contains("still active"), "{}", out.stderr);
        assert_eq!(fake.status_of(&old), Some("Inactive"));
        let new = fake.creds().into_iter().find(|c| c.id != old).unwrap();
        assert_eq!(out.stdout, format!("{}\n", new.secret));
    }
}

#[test]
fn an_endless_answer_is_cut_off_at_its_bound() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    fake.seed("alice", "Active", 1, Some(29));
    for how in [Misbehaviour::EndlessLength, Misbehaviour::EndlessChunks] {
        // Every attempt: the SDK retries a listing.
        fake.behave();
        fake.misbehave("ListServiceSpecificCredentials", how, usize::MAX);
        let out = fake
            .run(&sb)
            .args(["key", "list", "--user", "alice"])
            .output();
        out.assert_fails(
            1,
            &["the answer is larger than the 4 MiB bedrock-token reads"],
        );
        assert!(
            out.elapsed < std::time::Duration::from_secs(20),
            "{how:?}: {:?}",
            out.elapsed
        );
    }
}

#[test]
fn a_page_marker_that_never_ends_stops_with_a_clear_error() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let a = fake.seed("alice", "Active", 2, Some(28));
    fake.seed("alice", "Inactive", 1, Some(29));
    let list_fails = |how: Misbehaviour, needle: &str| {
        fake.behave();
        fake.misbehave("ListServiceSpecificCredentials", how, usize::MAX);
        fake.run(&sb)
            .args(["key", "list", "--user", "alice"])
            .output()
            .assert_fails(1, &[needle]);
    };
    list_fails(
        Misbehaviour::LoopMarker,
        &format!("IAM's listing of Bedrock keys does not end: it listed key {a} twice"),
    );
    // rotate stops before changing anything.
    let out = fake
        .run(&sb)
        .args(["key", "rotate", "--user", "alice"])
        .output();
    out.assert_fails(1, &["does not end"]);
    assert_eq!(creates(&fake), 0);
    assert_eq!(fake.creds().len(), 2);

    // The same marker on empty pages; a new marker on every empty page.
    fake.state.lock().unwrap().creds.clear();
    list_fails(
        Misbehaviour::LoopMarker,
        "it handed out the same page marker twice",
    );
    let before = fake.seen().len();
    list_fails(Misbehaviour::EndlessPages, "more than 200 pages");
    assert_eq!(fake.seen().len() - before, 200);
}

#[cfg(unix)]
#[test]
fn a_destination_that_cannot_take_the_key_is_refused_before_iam_is_asked() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    // A directory nobody may create files in (as root too).
    fake.run(&sb)
        .args([
            "key",
            "create",
            "--user",
            "alice",
            "--write",
            "/proc/self/bedrock.key",
        ])
        .output()
        .assert_fails(2, &["cannot write in /proc/self", "so none was created"]);
    // One this user may not write in (root may write anywhere).
    let ro = sb.path("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = ro.join("probe");
    if std::fs::write(&probe, "x").is_err() {
        fake.run(&sb)
            .args(["key", "create", "--user", "alice", "--write"])
            .arg(ro.join("k"))
            .output()
            .assert_fails(2, &["cannot write in", "so none was created"]);
    } else {
        std::fs::remove_file(&probe).unwrap();
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o700)).unwrap();
    // stdout closed, or open for reading only.
    for redirect in [">&-", "1</dev/null"] {
        let out = with_stdout(
            fake.run(&sb).args(["key", "create", "--user", "alice"]),
            redirect,
        );
        out.assert_fails(1, &["the new key would be lost, so none was created"]);
    }
    let out = with_stdout(
        fake.run(&sb).args(["key", "rotate", "--user", "alice"]),
        ">&-",
    );
    out.assert_fails(1, &["stdout is closed"]);
    assert_eq!(creates(&fake), 0);
    assert!(fake.creds().is_empty());
    assert!(temps(&ro).is_empty() && temps(&sb.path("")).is_empty());
}

#[cfg(unix)]
#[test]
fn a_signal_during_create_waits_for_the_key_to_be_delivered() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let path = sb.path("alice.key");
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        fake.state.lock().unwrap().creds.clear();
        fake.misbehave("CreateServiceSpecificCredential", Misbehaviour::Delay(3), 1);
        let mut run = fake
            .run(&sb)
            .args(["key", "create", "--user", "alice", "--write"])
            .arg(&path);
        // As from a terminal: a test run in the background (`make test &`)
        // inherits SIGINT ignored, which bedrock-token rightly keeps so.
        use std::os::unix::process::CommandExt;
        // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
        unsafe {
            run.cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = run.spawn();
        // Wait until the create call is in flight.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while creates(&fake) == 0 {
            assert!(std::time::Instant::now() < deadline, "no create call");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let pid = child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .unwrap()
                .success()
        );
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let cred = fake.creds()[0].clone();
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        assert!(stderr.contains(&format!(
            "bedrock-token: error: stopped by SIG{signal} once the new key {} of user alice was delivered",
            cred.id
        )), "{stderr}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), cred.secret);
        assert!(temps(&sb.path("")).is_empty());
        std::fs::remove_file(&path).unwrap();
        assert_no_secret(&fake, &stderr);
        fake.state.lock().unwrap().seen.clear();
    }
}

/// Ctrl-C on Windows is held as SIGINT is elsewhere: it comes while the
/// create call is in flight, the key is written all the same, then the
/// process stops saying so. (wine delivers Ctrl-C only to a process with a
/// console of its own, see tests/windows_watch.rs.)
#[cfg(windows)]
#[test]
fn ctrl_c_during_create_waits_for_the_key_to_be_delivered() {
    use std::os::windows::process::CommandExt;
    let Some(console) = console_tool() else {
        return;
    };
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    let path = sb.path("alice.key");
    fake.misbehave("CreateServiceSpecificCredential", Misbehaviour::Delay(3), 1);
    let mut run = fake
        .run(&sb)
        .args(["key", "create", "--user", "alice", "--write"])
        .arg(&path);
    run.cmd.creation_flags(CREATE_NEW_CONSOLE);
    let child = run.spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while creates(&fake) == 0 {
        assert!(std::time::Instant::now() < deadline, "no create call");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    send_ctrl_c(&console, child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let cred = fake.creds()[0].clone();
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "stopped by SIGINT once the new key {} of user alice was delivered",
            cred.id
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), cred.secret);
    assert_no_secret(&fake, &stderr);
}

/// IAM's answer after 40 s: the call gives up at 30 s, says so, and names
/// the key IAM made meanwhile.
#[test]
fn a_late_answer_ends_the_call_at_30_s_and_the_key_is_named() {
    let sb = Sandbox::new();
    let fake = FakeIam::start();
    fake.misbehave(
        "CreateServiceSpecificCredential",
        Misbehaviour::Delay(40),
        1,
    );
    let out = fake
        .run(&sb)
        .args(["key", "create", "--user", "alice"])
        .output();
    let id = fake.creds()[0].id.clone();
    out.assert_fails(
        1,
        &[
            "no answer from IAM at http://127.0.0.1:",
            "within 30 s (CreateServiceSpecificCredential for user alice)",
            &format!("bedrock-token key delete {id} --user alice --yes"),
        ],
    );
    assert_eq!(out.stdout, "");
    assert_eq!(creates(&fake), 1);
    assert!(
        out.elapsed < std::time::Duration::from_secs(38),
        "{:?}",
        out.elapsed
    );
}
