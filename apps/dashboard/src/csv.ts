/**
 * CSV writing for the dashboard's downloads: the one cell policy of tokenledger (formula starts
 * made inert, RFC 4180 quoting), shared with `tokenledger report --csv`, lives in the store.
 */
export { toCsv, type CsvCell } from '@tokenledger/store'
