declare module 'virtual:playground-data' {
  const data: import('../tasks/index.js').RawData;
  export default data;
}
