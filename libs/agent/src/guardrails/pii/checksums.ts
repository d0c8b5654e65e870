// The check digits that tell a payment card or an IBAN from any other number of its length.

/** Luhn's term for a digit `fromRight` places from the right (0-based): every second one is doubled. */
export function luhnTerm(digit: number, fromRight: number): number {
  if (fromRight % 2 === 0) return digit;
  const doubled = digit * 2;
  return doubled > 9 ? doubled - 9 : doubled;
}

/** Whether ASCII digits pass the Luhn check (payment cards). */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += luhnTerm(digits.charCodeAt(digits.length - 1 - i) - 48, i);
  return sum % 10 === 0;
}

/** One step of the IBAN check (ISO 7064 mod 97-10): a digit counts as itself, a letter as 10 (A) to 35 (Z). */
export function mod97Step(rest: number, unit: number): number {
  return unit <= 57 ? (rest * 10 + (unit - 48)) % 97 : (rest * 100 + ((unit | 32) - 87)) % 97;
}
