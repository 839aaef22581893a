//! The TASE.2 client's name discovery (`client::Names`, feature `std`): it follows
//! `moreFollows` page by page, and ends when an answer brings no new last name, so a server
//! that repeats a page with `moreFollows` set is not asked for ever (found by the
//! `tase2_session` fuzz target's progress check).
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use mms_pdu::mms::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, GetNameListResponse, Identifier,
    ObjectClass, ObjectScope, SeqOf,
};
use telecontrol_tase2_transfer_sets::client::{Names, Procedure, RequestStorage};

fn answer(names: &mut Names<'_>, page: &[&str], more: bool) -> Option<Vec<String>> {
    let ids: Vec<Identifier<'_>> = page.iter().map(|n| Identifier::new(n).unwrap()).collect();
    let response = ConfirmedServiceResponse::GetNameList(GetNameListResponse {
        identifiers: SeqOf::from_slice(&ids),
        more_follows: Some(more),
    });
    names.answer(&response).unwrap()
}

fn continue_after(names: &Names<'_>) -> Option<String> {
    let mut storage = RequestStorage::default();
    match names.request(&mut storage).unwrap() {
        ConfirmedServiceRequest::GetNameList(r) => r.continue_after.map(|i| i.as_str().to_owned()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pages_are_followed_until_no_more() {
    let mut names = Names::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    assert_eq!(continue_after(&names), None);
    assert_eq!(answer(&mut names, &["a", "b"], true), None);
    assert_eq!(continue_after(&names), Some("b".into()));
    assert_eq!(answer(&mut names, &["c"], false).unwrap(), ["a", "b", "c"]);
}

#[test]
fn a_repeated_page_ends_the_walk() {
    let mut names = Names::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    assert_eq!(answer(&mut names, &["a", "b"], true), None);
    // The same page again, still saying more follow: done, nothing asked again.
    assert_eq!(
        answer(&mut names, &["a", "b"], true).unwrap(),
        ["a", "b", "a", "b"]
    );
    let mut names = Names::new(ObjectClass::NamedVariable, ObjectScope::Vmd);
    assert_eq!(answer(&mut names, &[], true).unwrap(), Vec::<String>::new());
}
