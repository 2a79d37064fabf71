//! Image references, after the grammar of the distribution reference format:
//! `[domain[:port]/]path[:tag][@digest]`.
//!
//! A component before the first `/` is a domain when it holds a `.` or a `:`,
//! is `localhost`, or has an upper-case letter, which is how Docker tells a
//! registry from a Docker Hub namespace. Normalisation adds `docker.io` and,
//! for single-component Docker Hub names, `library/`, so `ubuntu` and
//! `library/ubuntu` compare equal.

use std::fmt;

use super::syntax::digest_problem;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// The registry host (and port), if given.
    pub domain: Option<String>,
    /// The repository path.
    pub path: String,
    /// The tag, if given.
    pub tag: Option<String>,
    /// The digest, if given.
    pub digest: Option<String>,
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The string is empty.
    #[error("is empty")]
    Empty,
    /// The registry part is malformed.
    #[error("has a malformed registry host `{0}`")]
    Domain(String),
    /// A path component is malformed.
    #[error("has a malformed repository component `{0}` (lowercase letters and digits, joined by `.`, `_`, `__` or dashes)")]
    PathComponent(String),
    /// The tag is malformed.
    #[error("has a malformed tag `{0}` (a word character, then up to 127 of word characters, `.` and `-`)")]
    Tag(String),
    /// The digest is malformed.
    #[error("has a malformed digest `{digest}`: it {problem}")]
    Digest {
        /// The digest text.
        digest: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The repository name is longer than 255 characters.
    #[error("has a repository name longer than 255 characters")]
    TooLong,
}

impl ImageReference {
    /// Parses a reference.
    pub fn parse(s: &str) -> Result<ImageReference, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if let Some(problem) = digest_problem(d) {
                    return Err(ReferenceError::Digest {
                        digest: d.to_string(),
                        problem,
                    });
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag is after the last `:` that follows the last `/`.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(rest[at + 1..].to_string()))
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            if !is_tag(t) {
                return Err(ReferenceError::Tag(t.clone()));
            }
        }
        if name.len() > 255 {
            return Err(ReferenceError::TooLong);
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                if !is_domain(first) {
                    return Err(ReferenceError::Domain(first.to_string()));
                }
                (Some(first.to_string()), remainder)
            }
            _ => (None, name),
        };
        for component in path.split('/') {
            if !is_path_component(component) {
                return Err(ReferenceError::PathComponent(component.to_string()));
            }
        }
        Ok(ImageReference {
            domain,
            path: path.to_string(),
            tag,
            digest,
        })
    }

    /// The fully qualified form used to compare references for equivalence.
    pub fn normalized(&self) -> String {
        let domain = match self.domain.as_deref() {
            None | Some("index.docker.io") => "docker.io",
            Some(d) => d,
        };
        let path = if domain == "docker.io" && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.clone()
        };
        let mut s = format!("{domain}/{path}");
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized())
    }
}

fn is_tag(t: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if word(c))
        && t.len() <= 128
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

fn is_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        // An IPv6 literal in brackets, then an optional port.
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        if addr.is_empty()
            || !addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return false;
        }
        match after.strip_prefix(':') {
            Some(p) => (None, Some(p)),
            None if after.is_empty() => (None, None),
            None => return false,
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(d), None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    match host {
        None => true,
        Some(h) => {
            !h.is_empty()
                && h.split('.').all(|c| {
                    !c.is_empty()
                        && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !c.starts_with('-')
                        && !c.ends_with('-')
                })
        }
    }
}

fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__`, or one or more `-`.
        let start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if b.get(i) == Some(&b'_') {
                    i += 1;
                }
            }
            b'-' => {
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == start || !b.get(i).is_some_and(|x| alnum(*x)) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let r = ImageReference::parse("example/helloworld:0.1.0").unwrap();
        assert_eq!(
            (r.domain.as_deref(), r.path.as_str(), r.tag.as_deref()),
            (None, "example/helloworld", Some("0.1.0"))
        );
        let r = ImageReference::parse("localhost:5000/probe@sha256:aca460afa270d4c527981ef9ca4989346c56cf9b20217dcea37df1ece8120685").unwrap();
        assert_eq!(r.domain.as_deref(), Some("localhost:5000"));
        assert!(r.digest.is_some() && r.tag.is_none());
        let r = ImageReference::parse("my.registry:443/a/b__c/d-e--f:v1@sha256:aca460afa270d4c527981ef9ca4989346c56cf9b20217dcea37df1ece8120685").unwrap();
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert!(ImageReference::parse("[::1]:5000/x").is_ok());
        assert!(ImageReference::parse("ubuntu").is_ok());
    }

    #[test]
    fn rejects_malformed_references() {
        for bad in [
            "",
            "Example/Hello",
            "example/hello world",
            "example//hello",
            "example/hello:",
            "example/hello:-x",
            "example/hello@sha256:abc",
            "example/-hello",
            "example/hello_",
            "my.registry:port/x",
            "example/hel___lo",
        ] {
            assert!(ImageReference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn normalises_docker_hub_names() {
        let a = ImageReference::parse("ubuntu").unwrap().normalized();
        let b = ImageReference::parse("library/ubuntu")
            .unwrap()
            .normalized();
        let c = ImageReference::parse("docker.io/library/ubuntu")
            .unwrap()
            .normalized();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_ne!(
            a,
            ImageReference::parse("ubuntu:22.04").unwrap().normalized()
        );
    }
}
