//! kubectl's credential plugin policy (kuberc), with the real kubectl 1.37 as the oracle:
//! `doctor`'s kuberc step says what kubectl does with the stanza's command, under a policy that
//! allows, denies, and allowlists by basename and by path; the command it prints to allow
//! doks-auth keeps the entries already there and makes kubectl run it; `kubeconfig convert`
//! warns once when the kuberc would refuse what it wrote.

use std::path::Path;

use serde_json::Value;

use crate::doctor::Bed;
use crate::support::*;

const HEAD: &str = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n";

/// PATH with the folder of the doks-auth under test first, so its basename is found.
fn path_with_bin() -> String {
    let bin = doks_auth_bin();
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn kubectl_runs(bed: &Bed, kubectl: &Path) -> (bool, String) {
    let out = run(bed
        .env
        .command(kubectl)
        .args(["get", "--raw", "/version", "--request-timeout=5s"])
        .env("KUBECONFIG", &bed.kubeconfig)
        .env("PATH", path_with_bin()));
    (out.code == Some(0), out.stderr)
}

/// doctor's kuberc step: (ok, detail, fix).
fn doctor_says(bed: &Bed) -> (bool, String, Option<String>) {
    let out = run(bed
        .env
        .doks_auth()
        .args(["doctor", "-o", "json"])
        .env("KUBECONFIG", &bed.kubeconfig)
        .env("PATH", path_with_bin()));
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}", out.stderr));
    let step = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "kuberc")
        .unwrap_or_else(|| panic!("no kuberc step: {report}"))
        .clone();
    (
        step["status"] == "ok",
        step["detail"].as_str().unwrap().to_string(),
        step["fix"].as_str().map(str::to_string),
    )
}

#[test]
fn doctor_says_what_kubectl_137_does_under_each_credential_plugin_policy() {
    let kubectl = kubectl_137();
    let bed = Bed::new();
    let kuberc = bed.env.home().join(".kube/kuberc");
    std::fs::create_dir_all(kuberc.parent().unwrap()).unwrap();
    let bin = doks_auth_bin().display().to_string();
    let cases = [
        ("no policy", String::new(), true),
        ("AllowAll", "credentialPluginPolicy: AllowAll\n".to_string(), true),
        ("DenyAll", "credentialPluginPolicy: DenyAll\n".to_string(), false),
        ("allowlist by basename", "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: doks-auth\n".to_string(), true),
        ("allowlist by path", format!("credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: {bin}\n"), true),
        ("allowlist of another", "credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n- command: /usr/local/bin/other-login\n".to_string(), false),
    ];
    for (name, policy, runs) in cases {
        std::fs::write(&kuberc, format!("{HEAD}{policy}")).unwrap();
        let (kubectl_ran, stderr) = kubectl_runs(&bed, &kubectl);
        assert_eq!(kubectl_ran, runs, "{name}: kubectl 1.37: {stderr}");
        let (ok, detail, fix) = doctor_says(&bed);
        assert_eq!(ok, runs, "{name}: doctor says {detail} (kubectl: {stderr})");
        if runs {
            continue;
        }
        // The printed command allows doks-auth and keeps what was there.
        let fix = fix.unwrap();
        let command = fix.split('`').nth(1).unwrap_or_else(|| panic!("{fix}"));
        let words = shell_words::split(command).unwrap();
        assert_eq!(words[0], "kubectl", "{fix}");
        let before = std::fs::read_to_string(&kuberc).unwrap();
        let out = run(bed
            .env
            .command(&kubectl)
            .args(&words[1..])
            .env("KUBERC", &kuberc));
        assert_eq!(out.code, Some(0), "{name}: {command}: {}", out.stderr);
        let after = std::fs::read_to_string(&kuberc).unwrap();
        if before.contains("other-login") {
            assert!(
                after.contains("/usr/local/bin/other-login"),
                "{name}: an entry was lost:\n{after}"
            );
        }
        let (kubectl_ran, stderr) = kubectl_runs(&bed, &kubectl);
        assert!(
            kubectl_ran,
            "{name}: after `{command}` kubectl still refuses: {stderr}\n{after}"
        );
        assert!(
            doctor_says(&bed).0,
            "{name}: doctor disagrees after the fix"
        );
    }
    // KUBERC=off: kubectl reads no kuberc, and neither does doctor.
    std::fs::write(&kuberc, format!("{HEAD}credentialPluginPolicy: DenyAll\n")).unwrap();
    let out = run(bed
        .env
        .doks_auth()
        .args(["doctor", "-o", "json"])
        .env("KUBECONFIG", &bed.kubeconfig)
        .env("KUBERC", "off"));
    assert!(
        out.stdout
            .contains("no kuberc sets a credential plugin policy"),
        "{}",
        out.stdout
    );
}

#[test]
fn convert_warns_once_when_the_kuberc_refuses_what_it_wrote() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.home().join(".kube")).unwrap();
    std::fs::write(
        env.home().join(".kube/kuberc"),
        format!("{HEAD}credentialPluginPolicy: DenyAll\n"),
    )
    .unwrap();
    let kubeconfig = env.home().join("config");
    let doctl = |id: &str, name: &str| {
        format!(
            "- name: {name}-admin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: doctl\n      args: [kubernetes, cluster, kubeconfig, exec-credential, --version=v1beta1, {id}]\n"
        )
    };
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: do-nyc1-a\n  cluster: {{server: 'https://{CLUSTER_ID}.k8s.ondigitalocean.com'}}\n- name: do-nyc1-b\n  cluster: {{server: 'https://{OTHER_CLUSTER_ID}.k8s.ondigitalocean.com'}}\ncontexts:\n- name: do-nyc1-a\n  context: {{cluster: do-nyc1-a, user: do-nyc1-a-admin}}\n- name: do-nyc1-b\n  context: {{cluster: do-nyc1-b, user: do-nyc1-b-admin}}\nusers:\n{}{}",
            doctl(CLUSTER_ID, "do-nyc1-a"),
            doctl(OTHER_CLUSTER_ID, "do-nyc1-b")
        ),
    )
    .unwrap();
    let out = run_ok(
        env.doks_auth()
            .args(["kubeconfig", "convert"])
            .env("KUBECONFIG", &kubeconfig),
    );
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("DenyAll"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert!(
        warnings[0].contains("kubectl kuberc set --section credentialplugin --policy Allowlist"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("converted 2 users"), "{}", out.stderr);
}

/// Whole kuberc files where doctor's reading once differed from kubectl 1.37's: other versions
/// and kinds, several documents, a repeated key, an entry naming two commands, a `..` entry.
#[test]
fn doctor_reads_the_kuberc_file_as_kubectl_137_does() {
    let kubectl = kubectl_137();
    let bed = Bed::new();
    let kuberc = bed.env.home().join(".kube/kuberc");
    std::fs::create_dir_all(kuberc.parent().unwrap()).unwrap();
    let bin = doks_auth_bin();
    let dir = bin.parent().unwrap();
    let dotdot = format!(
        "{}/../{}/doks-auth",
        dir.display(),
        dir.file_name().unwrap().to_string_lossy()
    );
    let alpha = "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n";
    let deny = format!("{HEAD}credentialPluginPolicy: DenyAll\n");
    let allowlist = |entries: &str| {
        format!("{HEAD}credentialPluginPolicy: Allowlist\ncredentialPluginAllowlist:\n{entries}")
    };
    let cases = [
        ("v1alpha1 DenyAll", format!("{alpha}credentialPluginPolicy: DenyAll\n")),
        ("kind Other", "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Other\ncredentialPluginPolicy: AllowAll\n".to_string()),
        ("repeated key, last AllowAll", format!("{deny}credentialPluginPolicy: AllowAll\n")),
        ("repeated key, last DenyAll", format!("{HEAD}credentialPluginPolicy: AllowAll\ncredentialPluginPolicy: DenyAll\n")),
        ("AllowAll document then DenyAll", format!("{HEAD}credentialPluginPolicy: AllowAll\n---\n{deny}")),
        ("another kind then DenyAll", format!("apiVersion: v1\nkind: Config\n---\n{deny}")),
        ("v1alpha1 then DenyAll", format!("{alpha}---\n{deny}")),
        ("entry with command and another name", allowlist("- command: doks-auth\n  name: /usr/local/bin/other-login\n")),
        ("entry with command and the same name", allowlist("- command: doks-auth\n  name: doks-auth\n")),
        ("entry with ..", allowlist(&format!("- command: {dotdot}\n"))),
    ];
    let mut report = Vec::new();
    for (name, text) in cases {
        std::fs::write(&kuberc, &text).unwrap();
        let (kubectl_ran, stderr) = kubectl_runs(&bed, &kubectl);
        let (ok, detail, _) = doctor_says(&bed);
        assert_eq!(
            ok, kubectl_ran,
            "{name}: doctor says {detail}\nkubectl 1.37: {stderr}\n{text}"
        );
        report.push(format!("{name:<40} kubectl runs it: {kubectl_ran}"));
    }
    eprintln!("{}", report.join("\n"));
    // An entry with a comma: kubectl keeps honouring it, but `kubectl kuberc set` would split
    // it, so doctor does not print that command.
    std::fs::write(&kuberc, allowlist("- command: /opt/a,b\n")).unwrap();
    assert!(!kubectl_runs(&bed, &kubectl).0);
    let (ok, _, fix) = doctor_says(&bed);
    let fix = fix.unwrap();
    assert!(!ok);
    assert!(!fix.contains("kubectl kuberc set --section"), "{fix}");
    assert!(fix.contains("/opt/a,b"), "{fix}");
}
