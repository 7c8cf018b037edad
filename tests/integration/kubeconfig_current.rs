//! Where `save` writes `current-context` with several files in `KUBECONFIG`: where plain
//! kubectl's `config use-context` writes it (client-go's writeCurrentContext: the first file
//! that exists), never into a later file that happens to set one already (a team's shared file).

use std::path::{Path, PathBuf};

use crate::kubeconfig::*;
use crate::support::*;

/// `mine.yaml` (no current context) then a shared file that sets one, mode 644.
fn layout(env: &TestEnv) -> (PathBuf, PathBuf) {
    let mine = env.home().join("mine.yaml");
    let shared = env.home().join("shared.yaml");
    std::fs::write(&mine, "apiVersion: v1\nkind: Config\nclusters: []\n").unwrap();
    std::fs::write(
        &shared,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: team-b\n  cluster:\n    server: https://team-b.example\ncontexts:\n- name: team-b-prod\n  context:\n    cluster: team-b\n    user: \"\"\ncurrent-context: team-b-prod\n",
    )
    .unwrap();
    set_mode(&shared, 0o644);
    (mine, shared)
}

fn current_of(env: &TestEnv, kubectl: &Path, files: &[&Path]) -> String {
    run_ok(
        env.command(kubectl)
            .args(["config", "view", "-o", "jsonpath={.current-context}"])
            .env("KUBECONFIG", std::env::join_paths(files).unwrap()),
    )
    .stdout
}

#[test]
fn save_writes_the_current_context_where_kubectl_use_context_does() {
    if !kubectl_available() {
        return;
    }
    for kubectl in kubectls() {
        let mut seen = Vec::new();
        for tool in ["doks-auth", "kubectl"] {
            let (env, api) = account(&[prod()]);
            let (mine, shared) = layout(&env);
            let shared_before = std::fs::read(&shared).unwrap();
            let both = std::env::join_paths([&mine, &shared]).unwrap();
            let mut save = doks(&env, &api, None, &["kubeconfig", "save", "prod"]);
            save.env("KUBECONFIG", &both);
            if tool == "kubectl" {
                save.arg("--set-current-context=false");
            }
            let out = run_ok(&mut save);
            if tool == "kubectl" {
                run_ok(
                    env.command(&kubectl)
                        .args(["config", "use-context", "do-nyc1-prod"])
                        .env("KUBECONFIG", &both),
                );
            }
            assert_eq!(
                std::fs::read(&shared).unwrap(),
                shared_before,
                "{tool}: the shared file was written: {}",
                out.stderr
            );
            #[cfg(unix)]
            assert_eq!(mode(&shared), 0o644, "{tool}");
            seen.push((
                current_of(&env, &kubectl, &[&mine]),
                current_of(&env, &kubectl, &[&shared]),
                current_of(&env, &kubectl, &[&mine, &shared]),
            ));
        }
        assert_eq!(
            seen[0],
            seen[1],
            "{}: doks-auth, then kubectl",
            kubectl.display()
        );
        assert_eq!(seen[0].2, "do-nyc1-prod");
    }
}
