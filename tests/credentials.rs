//! Each credential source end to end, with moto's server as STS on loopback,
//! and the region from each of its sources in order.

// Runs Unix tools (sh scripts, Python peers) or checks modes and signals.
#![cfg(unix)]

mod common;
use common::*;

fn akid(token: &str) -> String {
    let cred = param(token, "X-Amz-Credential").unwrap();
    cred.split("%2F").next().unwrap().to_string()
}

#[test]
fn environment_variables() {
    let sb = Sandbox::new();
    let out = sb.run_static().args(["-v"]).output();
    out.assert_code(0);
    assert_eq!(akid(&out.stdout), AKID);
    assert!(
        out.stderr
            .contains("credentials from environment variables")
    );
}

#[test]
fn static_keys_in_the_credentials_file() {
    let sb = Sandbox::new();
    sb.credentials(
        "[dev]\naws_access_key_id = AKIADEVEXAMPLE123456\naws_secret_access_key = devsecret\n",
    );
    sb.config("[profile dev]\nregion = ap-south-1\n");
    let out = sb.run().args(["-p", "dev", "-v"]).output();
    out.assert_code(0);
    assert_eq!(akid(&out.stdout), "AKIADEVEXAMPLE123456");
    assert!(
        param(&out.stdout, "X-Amz-Credential")
            .unwrap()
            .contains("ap-south-1")
    );
    assert!(
        out.stderr.contains("shared config or credentials file"),
        "{}",
        out.stderr
    );
    // AWS_PROFILE selects it too.
    let via_env = sb.run().env("AWS_PROFILE", "dev").args(["--no-cache"]).ok();
    assert_eq!(akid(&via_env), "AKIADEVEXAMPLE123456");
}

#[test]
fn credential_process_script() {
    let sb = Sandbox::new();
    let script = sb.script(
        "bin/creds",
        r#"echo '{"Version":1,"AccessKeyId":"AKIAPROCESSEXAMPLE12","SecretAccessKey":"procsecret"}'"#,
    );
    sb.config(&format!(
        "[profile proc]\nregion = eu-north-1\ncredential_process = {}\n",
        script.display()
    ));
    let out = sb.run().args(["-p", "proc", "-v"]).output();
    out.assert_code(0);
    assert_eq!(akid(&out.stdout), "AKIAPROCESSEXAMPLE12");
    assert!(out.stderr.contains("credential_process"), "{}", out.stderr);
}

fn role_config(sb: &Sandbox) {
    sb.credentials(&format!(
        "[base]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    sb.config(
        "[profile base]\nregion = us-east-1\n\
         [profile first]\nregion = us-west-2\nrole_arn = arn:aws:iam::123456789012:role/first\nsource_profile = base\n\
         [profile second]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/second\nsource_profile = first\n",
    );
}

/// The AWS CLI, pointed at moto, says who the credential-process output is.
fn caller_arn_of(sb: &Sandbox, moto: &Moto, profile: &str) -> String {
    let creds = sb
        .run()
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .args(["credential-process", "--profile", profile, "--no-cache"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&creds).unwrap();
    let aws = tool("aws").unwrap();
    let run = sb
        .command(aws)
        .env("HOME", sb.path("nohome"))
        .env("AWS_ACCESS_KEY_ID", v["AccessKeyId"].as_str().unwrap())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            v["SecretAccessKey"].as_str().unwrap(),
        )
        .env(
            "AWS_SESSION_TOKEN",
            v["SessionToken"].as_str().unwrap_or(""),
        );
    caller_arn(run, moto)
}

#[test]
fn assume_role_with_source_profile_against_moto() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new();
    role_config(&sb);
    let out = sb
        .run()
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .args(["-p", "first", "-v"])
        .output();
    out.assert_code(0);
    let id = akid(&out.stdout);
    assert_ne!(id, AKID, "the role's credentials sign, not the source's");
    assert!(param(&out.stdout, "X-Amz-Security-Token").is_some());
    assert!(
        param(&out.stdout, "X-Amz-Credential")
            .unwrap()
            .contains("us-west-2")
    );
    assert!(
        out.stderr
            .contains("assuming arn:aws:iam::123456789012:role/first"),
        "{}",
        out.stderr
    );
    assert!(caller_arn_of(&sb, &moto, "first").contains("first"));
}

#[test]
fn chain_of_two_roles_against_moto() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new();
    role_config(&sb);
    let arn = caller_arn_of(&sb, &moto, "second");
    assert!(arn.contains("assumed-role/second/"), "{arn}");
    let key = sb
        .run()
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .args(["-p", "second", "token", "--format", "json"])
        .ok_with(&["key valid for", "credentials of profile second expire at"]);
    let v: serde_json::Value = serde_json::from_str(&key).unwrap();
    assert_eq!(v["region"], "eu-west-1");
    assert_eq!(v["profile"], "second");
}

#[test]
fn web_identity_against_moto() {
    let Some(moto) = Moto::start() else { return };
    let sb = Sandbox::new();
    let token_file = sb.write(
        "oidc-token",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl",
    );
    // As environment variables (EKS, GitHub Actions)...
    let out = sb
        .run()
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .env("AWS_REGION", "us-east-2")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file)
        .args(["-v"])
        .output();
    out.assert_code(0);
    assert!(param(&out.stdout, "X-Amz-Security-Token").is_some());
    assert!(out.stderr.contains("web identity"), "{}", out.stderr);
    // ...and in a profile.
    sb.config(&format!(
        "[profile oidc]\nregion = us-east-2\nrole_arn = arn:aws:iam::123456789012:role/ci\nweb_identity_token_file = {}\n",
        token_file.display()
    ));
    let out = sb
        .run()
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .args(["-p", "oidc", "--no-cache"])
        .output();
    out.assert_code(0);
    assert_ne!(akid(&out.stdout), AKID);
}

#[test]
fn region_comes_from_flag_then_env_then_config_file_then_profile() {
    let sb = Sandbox::new();
    sb.config("[default]\nregion = ca-central-1\n");
    let region = |run: Run| {
        let out = run.args(["--no-cache", "token", "--format", "json"]).ok();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["region"].as_str().unwrap().to_string()
    };
    let base = || {
        sb.run()
            .env("AWS_ACCESS_KEY_ID", AKID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
    };
    let conf = sb.write("bt.toml", "region = \"sa-east-1\"\n");
    assert_eq!(region(base()), "ca-central-1");
    assert_eq!(
        region(base().env("BEDROCK_TOKEN_CONFIG", &conf)),
        "sa-east-1"
    );
    assert_eq!(
        region(
            base()
                .env("BEDROCK_TOKEN_CONFIG", &conf)
                .env("AWS_DEFAULT_REGION", "eu-south-1")
        ),
        "eu-south-1"
    );
    assert_eq!(
        region(
            base()
                .env("AWS_DEFAULT_REGION", "eu-south-1")
                .env("AWS_REGION", "eu-west-3")
        ),
        "eu-west-3"
    );
    assert_eq!(
        region(
            base()
                .env("AWS_REGION", "eu-west-3")
                .args(["-r", "me-south-1"])
        ),
        "me-south-1"
    );
}

/// Credentials an endpoint hands out, expiring in about an hour.
fn endpoint_credentials(token_field: &str) -> String {
    let exp = std::process::Command::new("date")
        .args(["-u", "-d", "+1 hour", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    let exp = String::from_utf8(exp.stdout).unwrap();
    format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAENDPOINTEXAMPLE1","SecretAccessKey":"endpointsecret","{token_field}":"endpointtoken","Expiration":"{}"}}"#,
        exp.trim()
    )
}

#[test]
fn ecs_container_credentials_from_a_loopback_endpoint() {
    let url = serve_http(|method, path| match (method, path) {
        ("GET", "/creds") => (200, endpoint_credentials("Token")),
        _ => (404, String::new()),
    });
    let sb = Sandbox::new();
    let out = sb
        .run()
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("{url}/creds"))
        .args(["-v"])
        .output();
    out.assert_code(0);
    assert_eq!(akid(&out.stdout), "ASIAENDPOINTEXAMPLE1");
    assert!(
        out.stderr.contains("container credentials endpoint"),
        "{}",
        out.stderr
    );
}

#[test]
fn ec2_instance_metadata_from_a_loopback_endpoint() {
    let url = serve_http(|method, path| match (method, path) {
        ("PUT", "/latest/api/token") => (200, "imdsv2-session-token".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/") => (200, "bedrock-role".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/bedrock-role") => {
            (200, endpoint_credentials("Token"))
        }
        _ => (404, String::new()),
    });
    let sb = Sandbox::new();
    let out = sb
        .run()
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)
        .env("AWS_REGION", "us-east-1")
        .args(["-v"])
        .output();
    out.assert_code(0);
    assert_eq!(akid(&out.stdout), "ASIAENDPOINTEXAMPLE1");
    assert!(
        out.stderr.contains("EC2 instance metadata"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("key valid for"),
        "bounded by the role's expiry: {}",
        out.stderr
    );
}

#[test]
fn an_explicit_profile_wins_over_keys_in_the_environment_as_in_the_aws_cli() {
    let sb = Sandbox::new();
    sb.credentials(
        "[dev]\naws_access_key_id = AKIADEVEXAMPLE123456\naws_secret_access_key = devsecret\n",
    );
    // --profile: the profile's keys, as `aws --profile dev` does.
    let out = sb
        .run_static()
        .args(["--profile", "dev", "--no-cache"])
        .ok();
    assert_eq!(akid(&out), "AKIADEVEXAMPLE123456");
    // AWS_PROFILE: keys in the environment still win, as in botocore.
    let out = sb
        .run_static()
        .env("AWS_PROFILE", "dev")
        .args(["--no-cache"])
        .ok();
    assert_eq!(akid(&out), AKID);
    // The config file names a profile as deliberately as --profile.
    let conf = sb.write("bt.toml", "profile = \"dev\"\n");
    let out = sb
        .run_static()
        .env("BEDROCK_TOKEN_CONFIG", &conf)
        .args(["--no-cache"])
        .ok();
    assert_eq!(akid(&out), "AKIADEVEXAMPLE123456");
}
