use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::owasp::{self, OwaspCategory};

/// A CWE weakness id, written `CWE-89` everywhere it is stored or shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cwe(pub u32);

impl Cwe {
    /// The weakness name from our table, when the CWE is one we know.
    pub fn name(self) -> Option<&'static str> {
        owasp::cwe_name(self.0)
    }

    pub fn owasp2021(self) -> Option<&'static OwaspCategory> {
        owasp::category_2021(self.0)
    }

    pub fn owasp2025(self) -> Option<&'static OwaspCategory> {
        owasp::category_2025(self.0)
    }

    pub fn url(self) -> String {
        format!("https://cwe.mitre.org/data/definitions/{}.html", self.0)
    }
}

impl fmt::Display for Cwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

impl FromStr for Cwe {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix("CWE-")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| *n > 0)
            .map(Cwe)
            .ok_or_else(|| format!("`{s}` is not a CWE id (expected the form CWE-89)"))
    }
}

impl Serialize for Cwe {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cwe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_round_trips_through_text() {
        let c: Cwe = "CWE-89".parse().unwrap();
        assert_eq!(c, Cwe(89));
        assert_eq!(c.to_string(), "CWE-89");
        assert!("89".parse::<Cwe>().is_err());
        assert!("CWE-0".parse::<Cwe>().is_err());
    }
}
