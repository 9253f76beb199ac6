"""What the constructs and the functions share, standard library only: the event catalog, the
environment each function reads, the operations table's layout and the Change Calendar rules.

The functions' code asset carries this package (ssm_event_notifier.layer), so both sides import it
under the same name."""
