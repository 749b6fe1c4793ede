"""Importers: foreign case formats -> simdesk case files. Imports core; core never imports these."""
