/**
 * Amounts typed by people, in the format the console displays them: "15,000,000", "3,035.01",
 * "USD 3,035.01", "3035.01 usd". Screens show amounts grouped and labelled (displayMoney, the
 * renderer's Intl format); an input that refused what the page itself shows next to it would be
 * a trap. Exactness is kept by turning the text into the plain decimal parseAmount reads, so the
 * minor units are the same as for the canonical form; nothing is ever rounded.
 *
 * Refused, with a sentence saying why: grouping that is not in threes ("1,00,000", "15,00"), a
 * comma used as the decimal mark, more decimals than the currency has, another currency's code,
 * exponents and anything else that is not a number.
 */
import { MoneyError, parseAmount, type ParseOptions } from './money.js';
import { exponentOf, isCurrency, type CurrencyCode } from './currency.js';

/** Digits grouped by commas in threes (the first group 1–3 digits), or no grouping at all. */
const GROUPED = /^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;

/**
 * Minor units of `text` for `currency`, read as the console displays amounts. Throws MoneyError
 * with an operator's sentence when the text is not an amount in that currency.
 */
export function parseDisplayedAmount(
  text: string,
  currency: CurrencyCode,
  options: Omit<ParseOptions, 'rounding'> = {},
): bigint {
  let rest = text.trim().replace(/[\u00a0\u202f]/g, ' ');
  if (rest === '') throw new MoneyError('EMPTY_AMOUNT', `enter an amount, e.g. ${hint(currency)}`);
  let negative = false;
  if (rest.startsWith('-')) {
    negative = true;
    rest = rest.slice(1).trim();
  }
  // An optional currency code before or after the number, as the console shows it.
  const code = /^([A-Za-z]{3})\s*(.*)$/.exec(rest) ?? /^(.*?)\s*([A-Za-z]{3})$/.exec(rest);
  if (code) {
    const [before, after] = [code[1]!, code[2]!];
    const [letters, number] = /^[A-Za-z]{3}$/.test(before) ? [before, after] : [after, before];
    if (!isCurrency(letters.toUpperCase()) || number.trim() === '')
      throw new MoneyError('INVALID_AMOUNT', why(text.trim(), rest, currency));
    if (letters.toUpperCase() !== currency)
      throw new MoneyError(
        'CURRENCY_MISMATCH',
        `"${text.trim()}" is in ${letters.toUpperCase()}, but this amount is in ${currency}`,
      );
    rest = number.trim();
  }
  if (!negative && rest.startsWith('-')) {
    negative = true;
    rest = rest.slice(1).trim();
  }
  if (rest === '') throw new MoneyError('EMPTY_AMOUNT', `enter an amount, e.g. ${hint(currency)}`);
  if (!GROUPED.test(rest)) throw new MoneyError('INVALID_AMOUNT', why(text.trim(), rest, currency));
  const plain = rest.replace(/,/g, '');
  const decimals = plain.split('.')[1]?.length ?? 0;
  const exponent = exponentOf(currency);
  if (decimals > exponent)
    throw new MoneyError(
      'TOO_MANY_DECIMALS',
      exponent === 0
        ? `"${text.trim()}" has decimals, but ${currency} amounts are whole numbers`
        : `"${text.trim()}" has ${decimals} decimals, but ${currency} has ${exponent}`,
    );
  try {
    return parseAmount((negative ? '-' : '') + plain, currency, options);
  } catch (error) {
    if (error instanceof MoneyError && error.code === 'NEGATIVE_AMOUNT')
      throw new MoneyError('NEGATIVE_AMOUNT', `"${text.trim()}" is negative; enter 0 or more`);
    throw error;
  }
}

/** The canonical example for a currency, as displayed: "1,234.50" USD, "1,234" JPY. */
function hint(currency: CurrencyCode): string {
  const exponent = exponentOf(currency);
  return exponent === 0 ? '1,234' : `1,234.${'5'.padEnd(exponent, '0')}`;
}

/** Why a text that is not a grouped decimal was refused, as precisely as it can be told. */
function why(text: string, number: string, currency: CurrencyCode): string {
  if (/^[\d,]*,\d{1,2}$/.test(number) && exponentOf(currency) > 0)
    return `"${text}" looks like a comma used as the decimal mark: write ${hint(currency)} (a "." before the decimals)`;
  if (/^[\d,.]+$/.test(number) && number.includes(','))
    return `"${text}" is not grouped in threes: write e.g. ${hint(currency)} or ${hint(currency).replace(/,/g, '')}`;
  return `"${text}" is not an amount: write e.g. ${hint(currency)} or ${currency} ${hint(currency)}`;
}
