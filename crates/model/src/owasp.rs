//! OWASP Top 10 categories of 2021 and 2025 and the CWE → category tables, transcribed from the "List of Mapped
//! CWEs" that OWASP publishes for each category. A CWE that OWASP does not map has no category: we never invent
//! one. Notable moves between editions: SSRF (CWE-918) from A10:2021 into A01:2025; XXE (CWE-611) and the cookie
//! flags (CWE-614, CWE-1004) from A05:2021 to A02:2025 (Security Misconfiguration moved up); Injection from A03 to
//! A05; Cryptographic Failures from A02 to A04.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Edition {
    #[serde(rename = "2021")]
    Y2021,
    #[serde(rename = "2025")]
    Y2025,
}

impl Edition {
    pub fn year(self) -> u16 {
        match self {
            Edition::Y2021 => 2021,
            Edition::Y2025 => 2025,
        }
    }
}

/// One category of one edition, e.g. `A01:2021 Broken Access Control`.
#[derive(Debug, PartialEq, Eq, Hash, Serialize)]
pub struct OwaspCategory {
    pub edition: Edition,
    /// `A01` … `A10`.
    pub id: &'static str,
    pub name: &'static str,
}

impl OwaspCategory {
    /// `A01:2021`
    pub fn code(&self) -> String {
        format!("{}:{}", self.id, self.edition.year())
    }

    /// `A01:2021 Broken Access Control`
    pub fn label(&self) -> String {
        format!("{} {}", self.code(), self.name)
    }

    /// The SARIF / GitHub tag form: `owasp-a01:2021`.
    pub fn tag(&self) -> String {
        format!("owasp-{}", self.code().to_ascii_lowercase())
    }
}

const fn cat(edition: Edition, id: &'static str, name: &'static str) -> OwaspCategory {
    OwaspCategory { edition, id, name }
}

pub static TOP10_2021: [OwaspCategory; 10] = [
    cat(Edition::Y2021, "A01", "Broken Access Control"),
    cat(Edition::Y2021, "A02", "Cryptographic Failures"),
    cat(Edition::Y2021, "A03", "Injection"),
    cat(Edition::Y2021, "A04", "Insecure Design"),
    cat(Edition::Y2021, "A05", "Security Misconfiguration"),
    cat(Edition::Y2021, "A06", "Vulnerable and Outdated Components"),
    cat(Edition::Y2021, "A07", "Identification and Authentication Failures"),
    cat(Edition::Y2021, "A08", "Software and Data Integrity Failures"),
    cat(Edition::Y2021, "A09", "Security Logging and Monitoring Failures"),
    cat(Edition::Y2021, "A10", "Server-Side Request Forgery (SSRF)"),
];

pub static TOP10_2025: [OwaspCategory; 10] = [
    cat(Edition::Y2025, "A01", "Broken Access Control"),
    cat(Edition::Y2025, "A02", "Security Misconfiguration"),
    cat(Edition::Y2025, "A03", "Software Supply Chain Failures"),
    cat(Edition::Y2025, "A04", "Cryptographic Failures"),
    cat(Edition::Y2025, "A05", "Injection"),
    cat(Edition::Y2025, "A06", "Insecure Design"),
    cat(Edition::Y2025, "A07", "Authentication Failures"),
    cat(Edition::Y2025, "A08", "Software or Data Integrity Failures"),
    cat(Edition::Y2025, "A09", "Security Logging and Alerting Failures"),
    cat(Edition::Y2025, "A10", "Mishandling of Exceptional Conditions"),
];

/// `(category number 1..=10, mapped CWEs)` for 2021.
static MAP_2021: &[(usize, &[u32])] = &[
    (
        1,
        &[
            22, 23, 35, 59, 200, 201, 219, 264, 275, 276, 284, 285, 352, 359, 377, 402, 425, 441, 497,
            538, 540, 548, 552, 566, 601, 639, 651, 668, 706, 862, 863, 913, 922, 1275,
        ],
    ),
    (
        2,
        &[
            261, 296, 310, 319, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 335, 336, 337,
            338, 340, 347, 523, 720, 757, 759, 760, 780, 818, 916,
        ],
    ),
    (
        3,
        &[
            20, 74, 75, 77, 78, 79, 80, 83, 87, 88, 89, 90, 91, 93, 94, 95, 96, 97, 98, 99, 100, 113,
            116, 138, 184, 470, 471, 564, 610, 643, 644, 652, 917,
        ],
    ),
    (
        4,
        &[
            73, 183, 209, 213, 235, 256, 257, 266, 269, 280, 311, 312, 313, 316, 419, 430, 434, 444,
            451, 472, 501, 522, 525, 539, 579, 598, 602, 642, 646, 650, 653, 656, 657, 799, 807, 840,
            841, 927, 1021, 1173,
        ],
    ),
    (
        5,
        &[
            2, 11, 13, 15, 16, 260, 315, 520, 526, 537, 541, 547, 611, 614, 756, 776, 942, 1004, 1032,
            1174,
        ],
    ),
    (6, &[937, 1035, 1104]),
    (
        7,
        &[
            255, 259, 287, 288, 290, 294, 295, 297, 300, 302, 304, 306, 307, 346, 384, 521, 613, 620,
            640, 798, 940, 1216,
        ],
    ),
    (8, &[345, 353, 426, 494, 502, 565, 784, 829, 830, 915]),
    (9, &[117, 223, 532, 778]),
    (10, &[918]),
];

/// `(category number 1..=10, mapped CWEs)` for 2025.
static MAP_2025: &[(usize, &[u32])] = &[
    (
        1,
        &[
            22, 23, 36, 59, 61, 65, 200, 201, 219, 276, 281, 282, 283, 284, 285, 352, 359, 377, 379,
            402, 424, 425, 441, 497, 538, 540, 548, 552, 566, 601, 639, 651, 668, 706, 862, 863, 918,
            922, 1275,
        ],
    ),
    (
        2,
        &[
            5, 11, 13, 15, 16, 260, 315, 489, 526, 547, 611, 614, 776, 942, 1004, 1174,
        ],
    ),
    (3, &[477, 1035, 1104, 1329, 1357, 1395]),
    (
        4,
        &[
            261, 296, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 334, 335,
            336, 337, 338, 340, 342, 347, 523, 757, 759, 760, 780, 916, 1240, 1241,
        ],
    ),
    (
        5,
        &[
            20, 74, 76, 77, 78, 79, 80, 83, 86, 88, 89, 90, 91, 93, 94, 95, 96, 97, 98, 99, 103, 104,
            112, 113, 114, 115, 116, 129, 159, 470, 493, 500, 564, 610, 643, 644, 917, 1336,
        ],
    ),
    (
        6,
        &[
            73, 183, 256, 269, 286, 311, 312, 313, 316, 382, 419, 434, 436, 444, 451, 454, 472, 501,
            522, 525, 539, 598, 602, 628, 642, 646, 653, 656, 657, 799, 807, 841, 1021, 1022, 1125,
        ],
    ),
    (
        7,
        &[
            258, 259, 287, 288, 289, 290, 291, 293, 294, 295, 297, 298, 299, 300, 302, 303, 304, 305,
            306, 307, 308, 309, 346, 350, 384, 521, 613, 620, 640, 798, 940, 941, 1390, 1391, 1392,
            1393,
        ],
    ),
    (
        8,
        &[345, 353, 426, 427, 494, 502, 506, 509, 565, 784, 829, 830, 915, 926],
    ),
    (9, &[117, 221, 223, 532, 778]),
    (
        10,
        &[
            209, 215, 234, 235, 248, 252, 274, 280, 369, 390, 391, 394, 396, 397, 460, 476, 478, 484,
            550, 636, 703, 754, 755, 756,
        ],
    ),
];

fn lookup(
    map: &'static [(usize, &'static [u32])],
    table: &'static [OwaspCategory; 10],
    cwe: u32,
) -> Option<&'static OwaspCategory> {
    map.iter()
        .find(|(_, cwes)| cwes.contains(&cwe))
        .map(|(n, _)| &table[n - 1])
}

pub fn category_2021(cwe: u32) -> Option<&'static OwaspCategory> {
    lookup(MAP_2021, &TOP10_2021, cwe)
}

pub fn category_2025(cwe: u32) -> Option<&'static OwaspCategory> {
    lookup(MAP_2025, &TOP10_2025, cwe)
}

/// A category by its code, `A01:2021` or `A05:2025`, for rules that override the table.
pub fn by_code(code: &str) -> Option<&'static OwaspCategory> {
    let (id, year) = code.split_once(':')?;
    let table = match year {
        "2021" => &TOP10_2021,
        "2025" => &TOP10_2025,
        _ => return None,
    };
    table.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// Names of the CWEs secreview's rules use (and a few neighbours), from MITRE's list.
static CWE_NAMES: &[(u32, &str)] = &[
    (20, "Improper Input Validation"),
    (22, "Path Traversal"),
    (78, "OS Command Injection"),
    (79, "Cross-site Scripting"),
    (89, "SQL Injection"),
    (90, "LDAP Injection"),
    (94, "Code Injection"),
    (95, "Eval Injection"),
    (113, "HTTP Response Splitting"),
    (200, "Exposure of Sensitive Information to an Unauthorized Actor"),
    (209, "Generation of Error Message Containing Sensitive Information"),
    (259, "Use of Hard-coded Password"),
    (284, "Improper Access Control"),
    (285, "Improper Authorization"),
    (287, "Improper Authentication"),
    (295, "Improper Certificate Validation"),
    (306, "Missing Authentication for Critical Function"),
    (311, "Missing Encryption of Sensitive Data"),
    (319, "Cleartext Transmission of Sensitive Information"),
    (321, "Use of Hard-coded Cryptographic Key"),
    (327, "Use of a Broken or Risky Cryptographic Algorithm"),
    (328, "Use of Weak Hash"),
    (330, "Use of Insufficiently Random Values"),
    (347, "Improper Verification of Cryptographic Signature"),
    (352, "Cross-Site Request Forgery"),
    (377, "Insecure Temporary File"),
    (501, "Trust Boundary Violation"),
    (502, "Deserialization of Untrusted Data"),
    (532, "Insertion of Sensitive Information into Log File"),
    (601, "Open Redirect"),
    (611, "Improper Restriction of XML External Entity Reference"),
    (614, "Sensitive Cookie in HTTPS Session Without 'Secure' Attribute"),
    (639, "Authorization Bypass Through User-Controlled Key"),
    (643, "XPath Injection"),
    (798, "Use of Hard-coded Credentials"),
    (862, "Missing Authorization"),
    (863, "Incorrect Authorization"),
    (915, "Improperly Controlled Modification of Dynamically-Determined Object Attributes"),
    (916, "Use of Password Hash With Insufficient Computational Effort"),
    (918, "Server-Side Request Forgery"),
    (1004, "Sensitive Cookie Without 'HttpOnly' Flag"),
    (1336, "Server-Side Template Injection"),
];

pub fn cwe_name(cwe: u32) -> Option<&'static str> {
    CWE_NAMES.iter().find(|(c, _)| *c == cwe).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: Option<&OwaspCategory>) -> Option<String> {
        c.map(OwaspCategory::code)
    }

    #[test]
    fn every_cwe_our_rules_use_is_mapped_or_deliberately_unmapped() {
        let used = [
            22, 78, 79, 89, 90, 94, 95, 113, 200, 209, 259, 284, 285, 287, 295, 306, 311, 319, 321,
            327, 328, 330, 347, 352, 377, 501, 502, 532, 601, 611, 614, 639, 643, 798, 862, 863, 915,
            916, 918, 1004, 1336,
        ];
        for cwe in used {
            assert!(
                category_2021(cwe).is_some() || cwe == 1336,
                "CWE-{cwe} has no 2021 category"
            );
            assert!(category_2025(cwe).is_some(), "CWE-{cwe} has no 2025 category");
            assert!(cwe_name(cwe).is_some(), "CWE-{cwe} has no name");
        }
    }

    #[test]
    fn categories_move_between_editions() {
        assert_eq!(code(category_2021(918)).as_deref(), Some("A10:2021"));
        assert_eq!(code(category_2025(918)).as_deref(), Some("A01:2025"));
        assert_eq!(code(category_2021(611)).as_deref(), Some("A05:2021"));
        assert_eq!(code(category_2025(611)).as_deref(), Some("A02:2025"));
        assert_eq!(code(category_2021(89)).as_deref(), Some("A03:2021"));
        assert_eq!(code(category_2025(89)).as_deref(), Some("A05:2025"));
        assert_eq!(code(category_2021(639)).as_deref(), Some("A01:2021"));
        assert_eq!(code(category_2025(798)).as_deref(), Some("A07:2025"));
        assert_eq!(category_2021(1336), None, "template injection is not in the 2021 lists");
        assert_eq!(category_2021(4242), None);
    }

    #[test]
    fn no_cwe_is_in_two_categories_of_one_edition() {
        for map in [MAP_2021, MAP_2025] {
            let mut seen = std::collections::HashSet::new();
            for (_, cwes) in map {
                for c in *cwes {
                    assert!(seen.insert(*c), "CWE-{c} mapped twice");
                }
            }
        }
    }

    #[test]
    fn tags_use_the_github_form() {
        assert_eq!(TOP10_2021[2].tag(), "owasp-a03:2021");
        assert_eq!(by_code("A05:2025").map(|c| c.name), Some("Injection"));
    }
}
