/** Loaders for the real datasets the examples train on (Node only: they read package files with fs). */
export { type Gender, type LabelledName, loadNameLists, loadNames, type NamesDataset, type NamesOptions } from './names.js';
export { loadStocks, parseStocksCsv, type StockPrice, stockSeries, stockSymbols } from './stocks.js';
export { loadSeattleWeather, parseWeatherCsv, type WeatherDay } from './weather.js';
export { type DigitImages, type DigitsDataset, type DigitsOptions, loadDigitImages, loadDigits, pickImages, SIDE } from './digits.js';
export { loadCmudict, loadStressWords, MAX_LETTERS, type StressDataset, type StressOptions, type StressWord, stressLabels, stressWord, vowelGroups } from './stress.js';
