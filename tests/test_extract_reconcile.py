"""A payee whose head the seal hid, completed from the hospital the other documents print."""

from __future__ import annotations

from extractors.reconcile import complete_cut_payees, strip_card_label_remnants
from models.documents import Document
from models.kinds import DocumentKind as K
from tests.builders import HOSPITAL, NAME, inpatient_case, set_field


def _payee(docs: list[Document]) -> tuple[object, str, float]:
    inv = next(d for d in docs if d.kind is K.MEDICAL_INVOICE)
    f = inv.fields["payee"]
    return f.value, f.raw, f.confidence


def test_a_payee_cut_at_its_head_is_the_hospital_the_others_agree_on() -> None:
    docs = set_field(inpatient_case(), "d2", payee=HOSPITAL[2:])
    value, raw, conf = _payee(complete_cut_payees(docs))
    assert value == HOSPITAL and raw == _payee(docs)[1]  # the reading kept as read
    assert conf < _payee(docs)[2]


def test_a_payee_with_one_character_hidden_inside_is_the_hospital_too() -> None:
    """泉州市刺桐幼保健院 (妇 under the ring) is 泉州市刺桐妇幼保健院; two characters lost
    inside, or one read differently, are not."""
    inside = HOSPITAL[:3] + HOSPITAL[4:]
    value, raw, conf = _payee(complete_cut_payees(set_field(inpatient_case(), "d2", payee=inside)))
    assert value == HOSPITAL and raw == inside and conf < 0.95
    two = HOSPITAL[:3] + HOSPITAL[5:]
    assert _payee(complete_cut_payees(set_field(inpatient_case(), "d2", payee=two)))[0] == two
    swapped = HOSPITAL[:3] + "市" + HOSPITAL[4:]
    kept = _payee(complete_cut_payees(set_field(inpatient_case(), "d2", payee=swapped)))[0]
    assert kept == swapped


def test_a_payee_is_not_completed_when_the_others_do_not_settle_it() -> None:
    cut = HOSPITAL[2:]
    # cut by more than a seal's ring hides
    far = set_field(inpatient_case(), "d2", payee=HOSPITAL[3:])
    assert _payee(complete_cut_payees(far))[0] == HOSPITAL[3:]
    # a character differing is not a character hidden (an ordinal, another city)
    other = set_field(inpatient_case(), "d2", payee="福州" + HOSPITAL[3:])
    assert _payee(complete_cut_payees(other))[0] == "福州" + HOSPITAL[3:]
    # the others disagree on the hospital, or only one prints it
    split = set_field(set_field(inpatient_case(), "d2", payee=cut), "d4", hospital="福建省立医院")
    assert _payee(complete_cut_payees(split))[0] == cut
    alone = [
        d for d in set_field(inpatient_case(), "d2", payee=cut) if d.kind is not K.DISCHARGE_SUMMARY
    ]
    assert _payee(complete_cut_payees(alone))[0] == cut


def _card_name(docs: list[Document]) -> tuple[object, str, float]:
    card = next(d for d in docs if d.kind is K.ID_CARD)
    f = card.fields["name"]
    return f.value, f.raw, f.confidence


def test_a_card_name_read_with_its_labels_remnant_is_the_name_the_others_agree_on() -> None:
    """生林建国 on a dark copy (the label's 名 read as 生): the medical documents all print
    林建国, so that is the card's name; a card name one character *different* is left alone."""
    docs = set_field(inpatient_case(), "d1", name="生" + NAME)
    value, raw, conf = _card_name(strip_card_label_remnants(docs))
    assert value == NAME and raw == _card_name(docs)[1] and conf <= 0.95
    other = "生" + NAME[:-1] + "强"
    docs = set_field(inpatient_case(), "d1", name=other)
    assert _card_name(strip_card_label_remnants(docs))[0] == other


def test_a_card_name_is_not_stripped_when_the_others_disagree_or_are_too_few() -> None:
    docs = set_field(inpatient_case(), "d1", name="生" + NAME)
    docs = [d for d in docs if d.kind in (K.ID_CARD, K.MEDICAL_INVOICE)]
    assert _card_name(strip_card_label_remnants(docs))[0] == "生" + NAME  # one document only
    two = set_field(set_field(inpatient_case(), "d1", name="生" + NAME), "d2", payer="王芳")
    assert _card_name(strip_card_label_remnants(two))[0] == "生" + NAME
