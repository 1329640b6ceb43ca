"""Reading BCSS replies: ReturnCode and evaluations become findings, one per reason.

The replies below are written by hand from LoiWet65_*_decision_Reply.xsd and
SSDNReply.xsd / ResultSummary.xsd; each is first checked to be schema-valid.
"""

from __future__ import annotations

import datetime as dt

import pytest
from bcss_support import assert_valid, official

from cpas.adapters.bcss import BcssMappingError, BcssSchemaError, import_reply
from cpas.adapters.xml.parser import UnsafeXml
from cpas.sdk.findings import Severity
from strategies import niss_digits

_NS = ('xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65" '
       'xmlns:c65="http://www.ksz-bcss.fgov.be/XSD/SSDN/OCMW_CPAS/LoiWet65Common"')
_FILE = ("<c65:FileIdentification><c65:KBOBCE>212345668</c65:KBOBCE>"
         "<c65:FileID>000000AB123</c65:FileID></c65:FileIdentification>")


def df_reply(evaluation: str, errors: str = "", total: str = "") -> bytes:
    return (f'<L65_DF_DecisionReply {_NS}>{_FILE}<DecisionResultDF>'
            "<ReferenceMonth>2025-11</ReferenceMonth>"
            "<UniqueAttestID>CPAS2025ATT0001</UniqueAttestID>"
            "<ReferenceSPP_POD>SPP0000042</ReferenceSPP_POD><SSIN>93041215808</SSIN>"
            f"<Suffix>0</Suffix><Evaluation>{evaluation}</Evaluation>{errors}{total}"
            "</DecisionResultDF></L65_DF_DecisionReply>").encode()


TWO_ERRORS = (
    "<ErrorsOnForm><c65:Code>DF0012</c65:Code>"
    '<c65:Description lang="fr">Mois de référence déjà introduit</c65:Description>'
    '<c65:Description lang="nl">Referentiemaand reeds ingediend</c65:Description>'
    "</ErrorsOnForm>"
    "<ErrorsOnForm><c65:Code>DF0107</c65:Code>"
    "<c65:Description>Montant supérieur au maximum</c65:Description></ErrorsOnForm>")


def test_error_return_codes_give_one_finding_each() -> None:
    """A refused DF with two ErrorsOnForm gives two BCSS-REPLY-001 errors, each naming its
    6-character code and the description in the reader's language when the reply has one."""
    data = df_reply("REFUSED", TWO_ERRORS)
    assert_valid(data)
    result = import_reply(data, source="reply.xml", schemas=official())
    assert result.form == "df" and result.kbo == "0212345668"
    assert not result.ok
    errors = result.report.by_code("BCSS-REPLY-001")
    assert [f.path for f in errors] == ["$.DecisionResultDF[0].ErrorsOnForm[0]",
                                        "$.DecisionResultDF[0].ErrorsOnForm[1]"]
    assert "DF0012" in errors[0].text("fr") and "déjà introduit" in errors[0].text("fr")
    assert "reeds ingediend" in errors[0].text("nl")
    assert "DF0107" in errors[1].text("en") and "maximum" in errors[1].text("en")
    assert "93041215808" not in errors[0].text("fr")  # NISS masked
    assert result.report.by_code("BCSS-REPLY-002") == ()
    assert errors[0].source == "reply.xml"


def test_refused_without_reason_and_partial() -> None:
    """REFUSED without ErrorsOnForm is one error; PARTIALLYACCEPTED is a warning only."""
    refused = import_reply(df_reply("REFUSED"))
    assert [f.code for f in refused.report] == ["BCSS-REPLY-002"]
    partial = import_reply(df_reply("PARTIALLYACCEPTED", total="<TotalAcceptedAmount>25000"
                                                              "</TotalAcceptedAmount>"))
    assert partial.ok
    assert [(f.code, f.severity) for f in partial.report] == [("BCSS-REPLY-003",
                                                              Severity.WARNING)]
    assert partial.outcomes[0].total_accepted is not None
    assert partial.outcomes[0].total_accepted.amount == 250
    accepted = import_reply(df_reply("ACCEPTED"))
    assert accepted.ok and len(accepted.report) == 0


def test_ssdn_envelope_error_one_finding_per_detail() -> None:
    """ResultSummary ReturnCode 10000 (ERROR, per ResultSummary.xsd) with two Detail reasons
    gives two BCSS-SSDN-001 findings: the ERROR one an error, the WARNING one a warning."""
    data = b"""<SSDNReply xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/Service"
        xmlns:common="http://www.ksz-bcss.fgov.be/XSD/SSDN/Common">
      <ReplyContext>
        <common:ResultSummary ok="NO"><common:ReturnCode>10000</common:ReturnCode>
          <common:Detail><common:Severity>ERROR</common:Severity>
            <common:ReasonCode>MSG00008</common:ReasonCode>
            <common:Diagnostic>Unauthorized user</common:Diagnostic></common:Detail>
          <common:Detail><common:Severity>WARNING</common:Severity>
            <common:ReasonCode>MSG00030</common:ReasonCode></common:Detail>
        </common:ResultSummary>
      </ReplyContext>
    </SSDNReply>"""
    assert_valid(data)
    result = import_reply(data, schemas=official())
    assert result.ssdn_return_code == 10000
    found = result.report.by_code("BCSS-SSDN-001")
    assert [f.severity for f in found] == [Severity.ERROR, Severity.WARNING]
    assert "MSG00008" in found[0].text("nl") and "Unauthorized user" in found[0].text("en")
    assert not result.ok


def test_enveloped_reply_body_is_read() -> None:
    """An SSDNReply with ReturnCode 0 carrying a C reply: its results are read."""
    body = (f'<L65_C_DecisionReply {_NS}>{_FILE}<DecisionResultC>'
            "<EntryDate>2025-11-28</EntryDate><UniqueAttestID>CPAS2025ATT0001</UniqueAttestID>"
            "<ReferenceSPP_POD>SPP0000043</ReferenceSPP_POD><SSIN>93041215808</SSIN>"
            "<Suffix>0</Suffix><Evaluation>REFUSED</Evaluation>"
            "<ErrorsOnForm><c65:Code>C00001</c65:Code><c65:Description>Décision inconnue"
            "</c65:Description></ErrorsOnForm></DecisionResultC></L65_C_DecisionReply>")
    data = ('<SSDNReply xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/Service" '
            'xmlns:common="http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"><ReplyContext>'
            '<common:ResultSummary ok="YES"><common:ReturnCode>0</common:ReturnCode>'
            "</common:ResultSummary></ReplyContext><ServiceReply>"
            '<common:ResultSummary ok="YES"><common:ReturnCode>0</common:ReturnCode>'
            "</common:ResultSummary><ServiceId>L65</ServiceId><Version>20120509</Version>"
            f"{body}</ServiceReply></SSDNReply>").encode()
    assert_valid(data)
    result = import_reply(data, schemas=official())
    assert result.form == "c" and result.ssdn_return_code == 0
    assert [f.path for f in result.report] == [
        "$.ServiceReply[0].DecisionResultC[0].ErrorsOnForm[0]"]


def test_invalid_and_hostile_replies() -> None:
    """A reply breaking its schema is refused when schemas are given; a DOCTYPE always."""
    with pytest.raises(BcssSchemaError):
        import_reply(df_reply("MAYBE"), schemas=official())
    with pytest.raises(UnsafeXml):
        import_reply(b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>')


# A fictitious NISS built from its definition (domain.md), never a real person's number.
_NISS = niss_digits(dt.date(1987, 9, 23), 61)
_WRONG_CHECK = _NISS[:-2] + f"{(int(_NISS[-2:]) + 1) % 100:02d}"
_NISS_WRITTEN = f"{_NISS[:2]}.{_NISS[2:4]}.{_NISS[4:6]}-{_NISS[6:9]}.{_NISS[9:]}"


def test_niss_quoted_in_error_descriptions_is_masked() -> None:
    """An ErrorsOnForm description quoting a NISS (compact or written) is shown masked in
    every language: only the two check digits are left, as cpas.sdk.identifiers.mask_niss."""
    errors = ("<ErrorsOnForm><c65:Code>DF0003</c65:Code>"
              f'<c65:Description lang="fr">NISS {_NISS} inconnu</c65:Description>'
              f'<c65:Description lang="nl">INSZ {_NISS_WRITTEN} onbekend</c65:Description>'
              "</ErrorsOnForm>")
    result = import_reply(df_reply("REFUSED", errors))
    [finding] = result.report.by_code("BCSS-REPLY-001")
    for lang in ("fr", "nl", "en"):
        text = finding.text(lang)
        assert _NISS not in text and _NISS_WRITTEN not in text
        assert _NISS[:9] not in text
    assert "inconnu" in finding.text("fr") and _NISS[-2:] in finding.text("fr")
    assert "onbekend" in finding.text("nl")
    assert all(_NISS not in text for _, text in result.outcomes[0].errors[0].descriptions)


def test_niss_quoted_in_ssdn_reason_and_diagnostic_is_masked() -> None:
    """A ResultSummary Detail whose ReasonCode or Diagnostic quotes a NISS is masked."""
    data = ('<SSDNReply xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/Service" '
            'xmlns:common="http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"><ReplyContext>'
            '<common:ResultSummary ok="NO"><common:ReturnCode>10000</common:ReturnCode>'
            "<common:Detail><common:Severity>ERROR</common:Severity>"
            f"<common:ReasonCode>SSIN {_NISS}</common:ReasonCode>"
            f"<common:Diagnostic>SSIN {_NISS_WRITTEN} not integrated</common:Diagnostic>"
            "</common:Detail></common:ResultSummary></ReplyContext></SSDNReply>").encode()
    [finding] = import_reply(data).report.by_code("BCSS-SSDN-001")
    for lang in ("fr", "nl", "en"):
        text = finding.text(lang)
        assert _NISS not in text and _NISS_WRITTEN not in text and _NISS[:9] not in text
    assert "not integrated" in finding.text("en")


@pytest.mark.parametrize(("element", "value"), [
    ("Suffix", "1a"), ("Suffix", "-1"), ("TotalAcceptedAmount", "12,50"),
    ("TotalAcceptedAmount", "-500"), ("SSIN", _WRONG_CHECK)])
def test_bad_number_in_a_result_is_a_mapping_error_with_its_path(element: str,
                                                                 value: str) -> None:
    """Without schemas, a non-numeric or negative Suffix / TotalAcceptedAmount, or an SSIN
    whose check digits are wrong, is refused as BcssMappingError naming the element's path
    (not a bare ValueError, InvalidMoney or InvalidNiss)."""
    good = {"Suffix": "0", "TotalAcceptedAmount": "100", "SSIN": "93041215808"}
    data = df_reply("ACCEPTED", total="<TotalAcceptedAmount>100</TotalAcceptedAmount>")
    assert import_reply(data).ok
    data = data.replace(f"<{element}>{good[element]}</".encode(),
                        f"<{element}>{value}</".encode())
    with pytest.raises(BcssMappingError) as caught:
        import_reply(data, source="reply.xml")
    assert type(caught.value) is BcssMappingError
    assert caught.value.path == f"$.DecisionResultDF[0].{element}"
    assert "reply.xml" in str(caught.value) and element in str(caught.value)
    assert _WRONG_CHECK[:9] not in str(caught.value)  # a NISS quoted is masked


def test_bad_return_code_is_a_mapping_error_and_niss_masked() -> None:
    """A non-numeric ResultSummary ReturnCode is a BcssMappingError with its path; the value
    quoted in the message is masked when it looks like a NISS."""
    data = ('<SSDNReply xmlns="http://www.ksz-bcss.fgov.be/XSD/SSDN/Service" '
            'xmlns:common="http://www.ksz-bcss.fgov.be/XSD/SSDN/Common"><ReplyContext>'
            f'<common:ResultSummary ok="NO"><common:ReturnCode>x{_NISS}</common:ReturnCode>'
            "</common:ResultSummary></ReplyContext></SSDNReply>").encode()
    with pytest.raises(BcssMappingError) as caught:
        import_reply(data)
    assert caught.value.path == "$.ReplyContext.ResultSummary.ReturnCode"
    assert _NISS not in str(caught.value)
    negative = data.replace(f"x{_NISS}".encode(), b"-1")
    assert import_reply(negative).ssdn_return_code == -1
