declare module 'virtual:playground-data' {
  const data: Omit<import('../tasks/index.js').RawData, 'digits' | 'words'>;
  export default data;
}

declare module 'virtual:playground-digits' {
  const digits: import('../tasks/digits.js').PackedDigits;
  export default digits;
}
