//! People in HL7 v2 messages, X12 name segments ([`x12_names`]) and DICOM
//! dumps ([`dicom_person_names`]), as integration engines (Mirth,
//! Rhapsody, Cloverleaf) and imaging tools log them. HL7 v2: one segment per line, `|` between fields, `~`
//! between repetitions, `^` between components. The fields that hold a
//! person's name (data type XPN: family^given^middle^…) or a person with
//! an id (XCN: id^family^given^middle^…) are read by position, as HL7 2.x
//! defines them; the name parts become `name` findings, a login-like id of
//! an XCN (`RNGUYEN4`) a `username` finding. Phone numbers and SSNs in
//! other fields are left to the structured detectors.

use super::checks;
use super::finding::Finding;
use super::prefilter::{self, Hints};
use super::token::Kind;

/// How a field holds people.
#[derive(Clone, Copy)]
enum Person {
    /// XPN: family ^ given ^ middle ^ suffix ^ prefix ^ …
    Name,
    /// XCN: id ^ family ^ given ^ middle ^ …
    IdName,
}

/// The person fields of the segments that carry them (HL7 2.5 numbering:
/// the segment id is field 0).
fn person_fields(segment: &[u8]) -> &'static [(usize, Person)] {
    use Person::{IdName, Name};
    match segment {
        b"PID" => &[(5, Name), (6, Name), (9, Name)],
        b"NK1" => &[(2, Name), (30, Name)],
        b"GT1" => &[(3, Name), (6, Name)],
        b"IN1" => &[(16, Name)],
        b"PV1" => &[
            (7, IdName),
            (8, IdName),
            (9, IdName),
            (17, IdName),
            (52, IdName),
        ],
        b"EVN" => &[(5, IdName)],
        b"ORC" => &[(10, IdName), (11, IdName), (12, IdName), (19, IdName)],
        b"OBR" => &[(16, IdName), (28, IdName)],
        b"OBX" => &[(16, IdName)],
        b"TXA" => &[(5, IdName), (9, IdName), (10, IdName), (22, IdName)],
        b"ROL" => &[(4, IdName)],
        b"PRD" => &[(2, Name)],
        b"STF" => &[(3, Name)],
        _ => &[],
    }
}

/// Appends the people of `line` if it is an HL7 v2 segment or holds X12
/// name segments.
pub(crate) fn find(line: &[u8], hints: &Hints, out: &mut Vec<Finding>) {
    x12_names(line, out);
    if hints.has(prefilter::DICOM_PN) {
        dicom_person_names(line, out);
    }
    if line.len() < 5
        || line[3] != b'|'
        || !line[..3]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return;
    }
    let fields = person_fields(&line[..3]);
    if fields.is_empty() {
        return;
    }
    let mut start = 0;
    for (index, field) in line.split(|b| *b == b'|').enumerate() {
        if let Some((_, person)) = fields.iter().find(|(i, _)| *i == index) {
            people(start, field, *person, out);
        }
        start += field.len() + 1;
    }
}

/// X12 EDI (837 claims, 270/271 eligibility, 834 enrolment), as claim
/// clearing houses and integration engines log it: `*` between elements,
/// `~` after a segment. A name segment of entity type 1, a person
/// (`NM1*IL*1*WHITEHORSE*DANIEL*J***MI*XEH884221907~`), holds the last,
/// first and middle names in elements 3 to 5; type 2 is an organisation.
fn x12_names(line: &[u8], out: &mut Vec<Finding>) {
    let nm1 = finder!(b"NM1*");
    let mut from = 0;
    while let Some(at) = nm1.find(&line[from..]).map(|i| from + i) {
        from = at + 4;
        if at > 0 && !matches!(line[at - 1], b'~' | b' ' | b'\n') {
            continue;
        }
        let end = memchr::memchr(b'~', &line[at..]).map_or(line.len(), |i| at + i);
        let mut start = at;
        for (i, element) in line[at..end].split(|b| *b == b'*').enumerate() {
            if i == 2 && element != b"1" {
                break;
            }
            if (3..=5).contains(&i) && element.len() >= 2 && checks::name_field(element) {
                out.push(Finding::new(start, start + element.len(), Kind::Name));
            }
            start += element.len() + 1;
        }
    }
}

/// The cue of [`dicom_person_names`] (see [`super::prefilter`]).
pub(crate) const DICOM_PN_CUE: &str = ") pn ";

/// DICOM elements of value representation PN, a person's name, as
/// DCMTK's `dcmdump` prints them: `(0010,0010) PN
/// [OKONKWO^CHIAMAKA^ADAEZE]  #  24, 1 PatientName`. The whole value goes
/// (family^given^middle^prefix^suffix).
fn dicom_person_names(line: &[u8], out: &mut Vec<Finding>) {
    let pn = finder!(b") PN [");
    let mut from = 0;
    while let Some(at) = pn.find(&line[from..]).map(|i| from + i) {
        let s = at + 6;
        from = s;
        let Some(len) = memchr::memchr(b']', &line[s..]) else {
            break;
        };
        let value = &line[s..s + len];
        let parts_named = value
            .split(|b| *b == b'^')
            .filter(|p| !p.is_empty())
            .all(checks::name_field);
        if parts_named && value.first().is_some_and(|b| *b != b'^') {
            out.push(Finding::new(s, s + len, Kind::Name));
        }
    }
}

/// The repetitions of one person field, which starts at byte `at` of its
/// line.
fn people(at: usize, field: &[u8], person: Person, out: &mut Vec<Finding>) {
    let mut start = at;
    for repetition in field.split(|b| *b == b'~') {
        let mut s = start;
        for (i, component) in repetition.split(|b| *b == b'^').enumerate() {
            let name_part = match person {
                Person::Name => i <= 2,
                Person::IdName => (1..=3).contains(&i),
            };
            if name_part && checks::name_field(component) {
                out.push(Finding::new(s, s + component.len(), Kind::Name));
            } else if matches!(person, Person::IdName) && i == 0 && is_login_id(component) {
                out.push(Finding::new(s, s + component.len(), Kind::Username));
            }
            s += component.len() + 1;
        }
        start += repetition.len() + 1;
    }
}

/// The id of an XCN when it is an account, not a number: letters and
/// digits, at least one letter (`RNGUYEN4`, `jdoe`), not an NPI.
fn is_login_id(v: &[u8]) -> bool {
    (3..=32).contains(&v.len())
        && v[0].is_ascii_alphabetic()
        && v.iter().all(|b| checks::is_login_byte(*b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(line: &str) -> Vec<(&str, Kind)> {
        let mut out = Vec::new();
        let mut hints = Hints::default();
        prefilter::Prefilter::new(
            &[(prefilter::DICOM_PN, vec![DICOM_PN_CUE.to_owned()])],
            crate::redact::Tables::Compact,
        )
        .scan(line.as_bytes(), &mut hints);
        find(line.as_bytes(), &hints, &mut out);
        out.iter()
            .map(|f| (&line[f.start..f.end], f.kind().unwrap()))
            .collect()
    }

    #[test]
    fn patient_names_and_repetitions() {
        let pid = "PID|1||000884213^^^HOSP^MR||Ramírez-Ochoa^Lucía^^^^^L~Ochoa^Lucía^M||19910227|F";
        assert_eq!(
            found(pid),
            [
                ("Ramírez-Ochoa", Kind::Name),
                ("Lucía", Kind::Name),
                ("Ochoa", Kind::Name),
                ("Lucía", Kind::Name)
            ]
        );
        // The middle initial and the name type code stay.
        assert_eq!(
            found("PID|1||7^^^H^MR||Whitehorse^Daniel^J^^^^L||19780914|M"),
            [("Whitehorse", Kind::Name), ("Daniel", Kind::Name)]
        );
    }

    #[test]
    fn providers_and_operators() {
        assert_eq!(
            found("PV1|1|O|ER^ER12^01||||1902231^Castellanos^Miguel^A^^^MD|||EMR"),
            [("Castellanos", Kind::Name), ("Miguel", Kind::Name)]
        );
        assert_eq!(
            found("EVN|A04|20240603101522|||RNGUYEN4^Nguyen^Rosa^^^^^^HOSP"),
            [
                ("RNGUYEN4", Kind::Username),
                ("Nguyen", Kind::Name),
                ("Rosa", Kind::Name)
            ]
        );
    }

    #[test]
    fn x12_name_segments_of_people() {
        assert_eq!(
            found("NM1*IL*1*WHITEHORSE*DANIEL*J***MI*XEH884221907~"),
            [("WHITEHORSE", Kind::Name), ("DANIEL", Kind::Name)]
        );
        assert_eq!(
            found("ST*837*0001~NM1*QC*1*RAMIREZ-OCHOA*LUCIA*MARIA~N3*418 JUNIPER LN~"),
            [
                ("RAMIREZ-OCHOA", Kind::Name),
                ("LUCIA", Kind::Name),
                ("MARIA", Kind::Name)
            ]
        );
        // An organisation (type 2), a payer id, no segment start.
        assert!(found("NM1*PR*2*BLUE CROSS BLUE SHIELD*****PI*00940~").is_empty());
        assert!(found("xNM1*IL*1*DOE*JANE~").is_empty());
        assert!(found("NM1*IL*1*12345*JANE~")
            .iter()
            .all(|(v, _)| *v == "JANE"));
    }

    #[test]
    fn dicom_person_names_whole() {
        assert_eq!(
            found("(0008,0090) PN [Vasquez^Elena^^Dr]                      #  18, 1 ReferringPhysicianName"),
            [("Vasquez^Elena^^Dr", Kind::Name)]
        );
        assert_eq!(
            found("I: (0010,0010) PN [OKONKWO^CHIAMAKA]  #  16, 1 PatientName"),
            [("OKONKWO^CHIAMAKA", Kind::Name)]
        );
        // Not a name (a code, an empty value), not a PN element.
        assert!(found("(0010,0010) PN [ANON123]  # 7").is_empty());
        assert!(found("(0010,0010) PN (no value available)").is_empty());
        assert!(found("(0008,0060) CS [CT]  #   2, 1 Modality").is_empty());
    }

    #[test]
    fn other_segments_and_lines_are_left() {
        assert!(found("MSH|^~\\&|EPIC|HOSP|MIRTH|LAB|20240603||ADT^A04|MSG1|P|2.5.1").is_empty());
        assert!(found("DG1|1||R07.9^Chest pain, unspecified^I10|||A").is_empty());
        assert!(found("PID is the process id").is_empty());
        assert!(found("GET|/v1/hosts|200").is_empty());
    }
}
