/** Loaders for the real datasets the examples train on (Node only: they read package files with fs). */
export { type Gender, type LabelledName, loadNameLists, loadNames, type NamesDataset, type NamesOptions } from './names.js';
export { loadStocks, parseStocksCsv, type StockPrice, stockSeries, stockSymbols } from './stocks.js';
export { loadSeattleWeather, parseWeatherCsv, type WeatherDay } from './weather.js';
export { type DigitImages, type DigitsDataset, type DigitsOptions, loadDigitImages, loadDigits, pickImages, SIDE } from './digits.js';
export { CMUDICT_PACKAGE, type CmudictSplit, type CmudictSplitOptions, loadCmudict, splitCmudict } from './cmudict.js';
export { loadStressWords, MAX_LETTERS, type StressDataset, type StressOptions, type StressWord, stressLabels, stressWord, vowelGroups } from './stress.js';
export { type G2pDataset, type G2pOptions, type G2pWord, g2pWord, loadG2pWords, PHONEMES } from './g2p.js';
