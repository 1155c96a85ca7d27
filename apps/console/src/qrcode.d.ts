/** The part of the `qrcode` package (no bundled types) the console uses: an SVG drawn locally, no network. */
declare module 'qrcode' {
  interface Options {
    type?: 'svg' | 'utf8' | 'terminal';
    errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
    margin?: number;
    width?: number;
    color?: { dark?: string; light?: string };
  }
  export function toString(text: string, options?: Options): Promise<string>;
  const QRCode: { toString: typeof toString };
  export default QRCode;
}
