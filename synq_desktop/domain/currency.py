"""ISO 4217 currency codes and the number of decimals each allows."""
from __future__ import annotations


def _codes(text: str) -> list[str]:
    """Codes written as one space-separated block: 180 quoted strings would hide the table."""
    return text.split()


# Active ISO 4217 codes (2024 list) with their minor units. Codes absent here are not ISO 4217.
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        _codes(
            "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF "
            "CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL "
            "HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP "
            "MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
            "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS "
            "VES WST XCD YER ZAR ZMW ZWL"
        ),
        2,
    ),
    **dict.fromkeys(_codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"), 0),
    **dict.fromkeys(_codes("BHD IQD JOD KWD LYD OMR TND"), 3),
    "CLF": 4,
    "UYW": 4,
}

CURRENCY_CODES: frozenset[str] = frozenset(_MINOR_UNITS)


def is_currency(code: str | None) -> bool:
    """True when `code` is an active ISO 4217 code (upper case, exactly as sent)."""
    return code is not None and code in _MINOR_UNITS


def minor_units(code: str) -> int:
    """Decimals the currency allows; unknown codes allow 2 so a price can still be checked."""
    return _MINOR_UNITS.get(code, 2)
