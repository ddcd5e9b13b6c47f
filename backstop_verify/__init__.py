"""Backstop's standalone reserve-proof verifier: stdlib plus eth-account/web3, no server code.

Run ``python -m backstop_verify BUNDLE.json [--rpc URL] [--previous OLD.json]``. The server
builds its trees and signs its bundles with these same functions.
"""
