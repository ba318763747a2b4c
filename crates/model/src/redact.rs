/// The only form in which a secret may leave the process: at most its first four characters and its length,
/// e.g. `ghp_…(40)`. Values of eight characters or fewer show no prefix at all, since four characters would be
/// half the secret.
pub fn redact_secret(secret: &str) -> String {
    let len = secret.chars().count();
    let shown: String = if len > 8 {
        secret.chars().take(4).collect()
    } else {
        String::new()
    };
    format!("{shown}…({len})")
}

/// A URL without what may hold a credential: the userinfo (`user:token@`), the query string (`?access_token=…`)
/// and the fragment go; scheme, host, port and path stay, which is all a report needs to name a repository.
/// Text without `://` (a local path, an scp-like `host:path`) is returned unchanged.
pub fn strip_url_credentials(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let (scheme, rest) = url.split_at(scheme_end + 3);
    // The query and fragment end the path; the authority ends at the first `/` before them.
    let rest = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_four_characters_and_the_length() {
        assert_eq!(
            redact_secret("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_…(40)"
        );
        assert_eq!(redact_secret("hunter2"), "…(7)");
    }

    #[test]
    fn urls_lose_userinfo_query_and_fragment() {
        assert_eq!(
            strip_url_credentials("https://x-access-token:s3cr3t@github.com/acme/app.git"),
            "https://github.com/acme/app.git"
        );
        assert_eq!(
            strip_url_credentials("https://git.example.org/acme/app.git?private_token=abc#frag"),
            "https://git.example.org/acme/app.git"
        );
        // An `@` in the path or query is not userinfo: the host stays.
        assert_eq!(
            strip_url_credentials("https://host:8443/a@b/repo?x=u@v"),
            "https://host:8443/a@b/repo"
        );
        assert_eq!(
            strip_url_credentials("ssh://git@host/repo.git"),
            "ssh://host/repo.git"
        );
        assert_eq!(strip_url_credentials("https://u:p@host"), "https://host");
        assert_eq!(
            strip_url_credentials("/srv/git/app.git"),
            "/srv/git/app.git"
        );
    }
}
