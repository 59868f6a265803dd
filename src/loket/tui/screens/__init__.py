"""One module per screen; modal dialogs beside them."""
