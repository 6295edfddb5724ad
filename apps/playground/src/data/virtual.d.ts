declare module 'virtual:playground-data' {
  const data: { female: string[]; male: string[]; seattleWeatherCsv: string };
  export default data;
}
