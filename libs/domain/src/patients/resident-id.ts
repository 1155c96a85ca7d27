/**
 * GB 11643-1999 citizen identity number: 17 digits + check character (0-9 or X),
 * ISO 7064 MOD 11-2. Also checks the embedded birth date is a real date.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

export function isValidResidentId(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1880 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  return residentIdCheckChar(id.slice(0, 17)) === id[17];
}

/** Birth date and sex as encoded in the number (odd 17th digit = male). */
export function residentIdFacts(id: string): { birthDate: string; sex: 'F' | 'M' } {
  return { birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`, sex: Number(id[16]) % 2 === 1 ? 'M' : 'F' };
}
