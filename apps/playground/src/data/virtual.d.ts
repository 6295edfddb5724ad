declare module 'virtual:playground-data' {
  const data: Omit<import('../tasks/index.js').RawData, 'digits' | 'g2p' | 'words'>;
  export default data;
}

declare module 'virtual:playground-digits' {
  const digits: import('../tasks/digits.js').PackedDigits;
  export default digits;
}

declare module 'virtual:playground-g2p' {
  /** The CMUdict subset in the dictionary's text form (data-files.ts, readG2p). */
  const g2p: string;
  export default g2p;
}
