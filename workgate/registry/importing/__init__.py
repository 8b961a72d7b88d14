"""Roster import: read an enterprise's Excel/CSV roster, map, check, preview and write it.

`pipeline` holds what pages, API and CLI call (analyse, preview, run); `columns` the column
map; `readers` the file formats; `writer` the bulk writes; `report` the error workbook;
`jobs` the task-worker entry points.
"""
