/**
 * ISO 4217 currencies and their minor-unit exponents.
 *
 * Every amount in the system is an integer count of minor units (bigint) next to one of these
 * codes. The exponent says how many minor units make a major unit (10^exponent). Most currencies
 * have 2; the exceptions are listed explicitly so the table stays short and reviewable.
 */

/**
 * Active ISO 4217 codes (funds and precious-metal codes without a minor unit are left out on
 * purpose).
 */
const ACTIVE_CODES =
  `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR
PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR
ZMW ZWG`.split(/\s+/);

/** Exponents other than 2, per ISO 4217. */
const EXPONENT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const EXPONENTS: ReadonlyMap<string, number> = new Map(
  ACTIVE_CODES.map((code) => [code, EXPONENT_EXCEPTIONS[code] ?? 2]),
);

export type CurrencyCode = string;

export class CurrencyError extends Error {
  readonly code = 'UNKNOWN_CURRENCY';
  constructor(readonly currency: string) {
    super(
      `"${currency}" is not an ISO 4217 currency code this system knows (expected three capital letters such as USD, IDR, PHP)`,
    );
    this.name = 'CurrencyError';
  }
}

export function isCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/**
 * Throws CurrencyError for anything that is not an active ISO 4217 code (case-sensitive: "usd" is
 * rejected).
 */
export function assertCurrency(code: string): CurrencyCode {
  if (!EXPONENTS.has(code)) throw new CurrencyError(code);
  return code;
}

/** Number of decimal places of the currency's minor unit. */
export function exponentOf(code: CurrencyCode): number {
  const e = EXPONENTS.get(code);
  if (e === undefined) throw new CurrencyError(code);
  return e;
}

export function allCurrencies(): CurrencyCode[] {
  return [...EXPONENTS.keys()];
}

export const pow10 = (n: number): bigint => 10n ** BigInt(n);
