//! The GetNameList walk of the adapters (`driver::calls::NameList`): it follows
//! `moreFollows` page by page, and ends when an answer brings no new last name, so a server
//! that repeats a page with `moreFollows` set is not asked for ever (found by the
//! `mms_driver` fuzz target, seed `crash_name_walk_repeats`).
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use telecontrol_core::Encode;
use telecontrol_mms_pdu::driver::{Answer, Response, calls::NameList};
use telecontrol_mms_pdu::mms::{
    ConfirmedResponse, ConfirmedServiceRequest, ConfirmedServiceResponse, GetNameListResponse,
    Identifier, MmsPdu, ObjectClass, ObjectScope, SeqOf,
};

fn page(names: &[&str], more: bool) -> Response {
    let ids: Vec<Identifier<'_>> = names.iter().map(|n| Identifier::new(n).unwrap()).collect();
    let pdu = MmsPdu::ConfirmedResponse(ConfirmedResponse {
        invoke_id: 1,
        service: ConfirmedServiceResponse::GetNameList(GetNameListResponse {
            identifiers: SeqOf::from_slice(&ids),
            more_follows: Some(more),
        }),
    });
    let mut bytes = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut bytes).unwrap();
    bytes.truncate(n);
    Answer::into_result(Some(Answer::Response(bytes))).unwrap()
}

fn after(walk: &NameList<'_>) -> Option<Option<String>> {
    match walk.next_request()? {
        ConfirmedServiceRequest::GetNameList(r) => {
            Some(r.continue_after.map(|i| i.as_str().to_owned()))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pages_are_followed_until_no_more() {
    let mut walk = NameList::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    assert_eq!(after(&walk), Some(None));
    walk.absorb(&page(&["a", "b"], true)).unwrap();
    assert_eq!(after(&walk), Some(Some("b".into())));
    walk.absorb(&page(&["c"], false)).unwrap();
    assert_eq!(after(&walk), None);
    assert_eq!(walk.into_names(), ["a", "b", "c"]);
}

#[test]
fn a_repeated_page_ends_the_walk() {
    let mut walk = NameList::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    walk.absorb(&page(&["a", "b"], true)).unwrap();
    // The server answers "after b" with the same page again, still saying more follow.
    walk.absorb(&page(&["a", "b"], true)).unwrap();
    assert_eq!(after(&walk), None, "no third request");
    // An empty page with moreFollows ends it too.
    let mut walk = NameList::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    walk.absorb(&page(&[], true)).unwrap();
    assert_eq!(after(&walk), None);
}
